import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import AuditEvent
from app.repositories.base import keyset_page


def filters(
    patient_id: uuid.UUID | None, actor: str | None, start: datetime | None, end: datetime | None
) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = []
    if patient_id is not None:
        found.append(AuditEvent.patient_id == patient_id)
    if actor is not None:
        found.append(AuditEvent.actor == actor)
    if start is not None:
        found.append(AuditEvent.occurred_at >= start)
    if end is not None:
        found.append(AuditEvent.occurred_at <= end)
    return found


async def page(
    session: AsyncSession, where: list[ColumnElement[bool]], cursor: str | None, limit: int
) -> tuple[Sequence[AuditEvent], str | None]:
    stmt = select(AuditEvent).where(*where)
    return await keyset_page(
        session, stmt, sort=AuditEvent.occurred_at, key=AuditEvent.id, cursor=cursor, limit=limit
    )


async def append(session: AsyncSession, event: dict[str, Any]) -> None:
    """One event, as a plain INSERT (no ORM unit of work: it runs on every request)."""
    await session.execute(insert(AuditEvent).values(event))


async def skip_commit_flush(session: AsyncSession) -> None:
    """PostgreSQL: this transaction's commit returns before its WAL record is flushed."""
    await session.execute(text("SET LOCAL synchronous_commit TO OFF"))
