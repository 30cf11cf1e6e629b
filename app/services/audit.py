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
    uow.audit.touch("audit_event", patient_id=patient_id)
    where = repo.filters(patient_id, actor, start, end)
    return await repo.page(uow.session, where, cursor, limit)
