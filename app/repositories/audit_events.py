import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, String, Table, bindparam, func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from app.models import AuditEvent, Patient
from app.models.base import new_id, utcnow
from app.repositories.base import Rows, insert_all, keyset_page
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


# One statement, compiled once: an event naming a patient and no organization takes its
# patient's, read by the INSERT itself.
_APPEND = insert(cast(Table, AuditEvent.__table__)).values(
    organization=func.coalesce(
        bindparam("given_organization", type_=String),
        select(Patient.organization).where(Patient.id == bindparam("of_patient")).scalar_subquery(),
    )
)


async def append(
    session: AsyncSession, events: list[dict[str, Any]], ahead: Sequence[Rows] = ()
) -> None:
    """One request's events in its session's transaction, in one Core statement (no ORM unit
    of work, no statement built per call: it runs on every request). `ahead`: other rows of
    the transaction, written first, in the same round trip where the database allows (one
    event: base.insert_all)."""
    rows = [_row(event) for event in events]
    if len(rows) == 1:
        await insert_all(session, ahead, then=(_APPEND, rows[0]))
        return
    await insert_all(session, ahead)
    if rows:
        await (await session.connection()).execute(_APPEND, rows)


async def append_batch(connection: AsyncConnection, events: list[dict[str, Any]]) -> None:
    """A group commit's batch: the events of concurrent reads, on its connection, in one
    executemany (db.GroupCommit's writer)."""
    await connection.execute(_APPEND, [_row(event) for event in events])


def _row(event: dict[str, Any]) -> dict[str, Any]:
    row = {name: value for name, value in event.items() if name != "organization"}
    # The column defaults, given: an INSERT carrying a WITH gets none from SQLAlchemy.
    row.update(id=new_id(), occurred_at=utcnow())
    return {**row, "given_organization": event.get("organization"), "of_patient": row["patient_id"]}
