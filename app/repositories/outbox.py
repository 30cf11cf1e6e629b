"""The outbox's writes at commit: events and the deliveries they fan out to."""

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Delivery, OutboxEvent


async def last_seqs(
    session: AsyncSession, patient_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, int]:
    """Each patient's highest event number so far (patients without events are absent);
    read under the patients' write locks, so the numbers that follow are theirs alone."""
    stmt = (
        select(OutboxEvent.patient_id, func.max(OutboxEvent.seq))
        .where(OutboxEvent.patient_id.in_(patient_ids))
        .group_by(OutboxEvent.patient_id)
    )
    return {patient_id: int(seq) for patient_id, seq in (await session.execute(stmt)).all()}


async def add_events(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """One multi-row INSERT (no ORM objects: events are written, never read back here)."""
    await session.execute(insert(OutboxEvent), list(rows))


async def add_deliveries(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    await session.execute(insert(Delivery), list(rows))
