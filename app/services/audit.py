import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from app.models import AuditEvent
from app.repositories import audit_events as repo
from app.services.unit import Unit


async def page(
    unit: Unit,
    *,
    patient_id: uuid.UUID | None,
    actor: str | None,
    start: datetime | None,
    end: datetime | None,
    cursor: str | None,
    limit: int,
) -> tuple[Sequence[AuditEvent], str | None]:
    unit.touch("audit_event", patient_id=patient_id)
    where = repo.filters(patient_id, actor, start, end)
    return await repo.page(unit.session, where, cursor, limit)


async def append(unit: Unit, event: dict[str, Any]) -> None:
    """Append the request's audit event (no patient data: ids, method, path, outcome)."""
    await repo.append(unit.session, event)


async def relax_read_commit(unit: Unit) -> None:
    """A read's only write is its audit event: on PostgreSQL its commit need not wait for
    the WAL flush (TR_AUDIT_READS_SYNCHRONOUS=true restores that); writes always wait."""
    if not unit.settings.is_sqlite and not unit.settings.audit_reads_synchronous:
        await repo.skip_commit_flush(unit.session)
