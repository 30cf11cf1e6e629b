"""Bulk export reads: every record of one type the scope sees, a keyset page at a time."""

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Patient
from app.repositories.base import M
from app.repositories.scope import Scope

# Where the last page ended: (id,) for patients, (patient_id, id) for their records.
Position = tuple[uuid.UUID, ...]


async def page_after(
    session: AsyncSession,
    scope: Scope,
    model: type[M],
    *,
    since: datetime | None,
    after: Position | None,
    limit: int,
) -> tuple[Sequence[tuple[M, str]], Position | None]:
    """Up to `limit` records (entered-in-error ones included: an export is a copy) with their
    patient's organization, changed at or after `since`, after `after` in (patient, id)
    order, so a patient's records come together; the position of the next page, or None."""
    table: Any = model
    order = (table.id,) if model is Patient else (table.patient_id, table.id)
    stmt = select(model, Patient.organization)
    if model is not Patient:
        stmt = stmt.join(Patient, Patient.id == table.patient_id)
    stmt = stmt.where(*scope.where(Patient))  # the patient joined is the one scoped
    if since is not None:
        stmt = stmt.where(table.updated_at >= since)
    if after is not None:
        stmt = stmt.where(tuple_(*order) > tuple_(*after))
    found = (await session.execute(stmt.order_by(*order).limit(limit))).all()
    rows: list[tuple[M, str]] = [(row[0], row[1]) for row in found]
    if len(rows) < limit:
        return rows, None
    last = rows[-1][0]
    return rows, tuple(getattr(last, column.key) for column in order)
