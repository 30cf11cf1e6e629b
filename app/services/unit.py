"""The unit of work a request runs in: one session, one caller, one audit target."""

import uuid
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.models import IdempotencyKey


@dataclass(slots=True)
class AuditTarget:
    """What the request touched; the API layer turns it into the audit event."""

    resource_type: str | None = None
    resource_id: uuid.UUID | None = None
    patient_id: uuid.UUID | None = None
    status: int = 200


@dataclass(slots=True)
class Unit:
    session: AsyncSession
    actor: str
    settings: Settings
    audit: AuditTarget = field(default_factory=AuditTarget)
    # Patients whose records this request wrote: their stored flags are refreshed before commit.
    changed_patients: set[uuid.UUID] = field(default_factory=set)
    locked_patients: set[uuid.UUID] = field(default_factory=set)
    # The Idempotency-Key this request claimed, if any (its answer is stored before commit).
    idempotency_key: IdempotencyKey | None = None

    def touch(
        self,
        resource_type: str,
        resource_id: uuid.UUID | None = None,
        patient_id: uuid.UUID | None = None,
    ) -> None:
        self.audit.resource_type = resource_type
        self.audit.resource_id = resource_id or self.audit.resource_id
        self.audit.patient_id = patient_id or self.audit.patient_id
