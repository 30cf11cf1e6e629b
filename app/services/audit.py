import uuid
from collections.abc import Sequence
from datetime import datetime

from app.models import AuditEvent
from app.repositories import audit_events as repo
from app.services.uow import UnitOfWork


async def page(
    uow: UnitOfWork,
    *,
    patient_id: uuid.UUID | None,
    actor: str | None,
    start: datetime | None,
    end: datetime | None,
    cursor: str | None,
    limit: int,
) -> tuple[Sequence[AuditEvent], str | None]:
    """Events of the caller's organizations, oldest first (a group-wide caller: every event,
    those naming no patient included)."""
    uow.audit.touch("audit_event", patient_id=patient_id)
    where = repo.filters(patient_id, actor, start, end)
    rows, next_cursor = await repo.page(uow.session, uow.scope, where, cursor, limit)
    uow.audit.listed((r.patient_id, r.organization) for r in rows if r.patient_id is not None)
    return rows, next_cursor
