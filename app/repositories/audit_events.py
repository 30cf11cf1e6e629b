import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import AuditEvent, Patient
from app.repositories.base import keyset_page
from app.repositories.scope import Scope


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
    session: AsyncSession,
    scope: Scope,
    where: list[ColumnElement[bool]],
    cursor: str | None,
    limit: int,
) -> tuple[Sequence[AuditEvent], str | None]:
    """Events of `scope`'s organizations (an unrestricted scope: every event, those naming
    no patient included)."""
    stmt = select(AuditEvent).where(*scope.where(AuditEvent), *where)
    return await keyset_page(
        session, stmt, sort=AuditEvent.occurred_at, key=AuditEvent.id, cursor=cursor, limit=limit
    )


async def append(session: AsyncSession, events: list[dict[str, Any]]) -> None:
    """Events (one request's, or a group commit's batch of reads), as one plain multi-row
    INSERT (no ORM unit of work: it runs on every request). An event naming a patient
    carries that patient's organization, read by the INSERT itself."""
    rows = [_with_organization(event) for event in events]
    if rows:
        await session.execute(insert(AuditEvent).values(rows))


def _with_organization(event: dict[str, Any]) -> dict[str, Any]:
    values = dict(event)
    if values.get("organization") is None and values.get("patient_id") is not None:
        values["organization"] = (
            select(Patient.organization).where(Patient.id == values["patient_id"]).scalar_subquery()
        )
    return values
