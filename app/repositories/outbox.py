"""The outbox's writes at commit: events and the deliveries they fan out to."""

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Delivery, OutboxEvent
from app.repositories.base import insert_rows


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
    """Multi-row INSERTs (no ORM objects: events are written, never read back here); the
    `event_type` attribute is the `type` column."""
    columns = [{("type" if key == "event_type" else key): v for key, v in r.items()} for r in rows]
    await insert_rows(session, OutboxEvent.__table__, columns)


async def add_deliveries(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    await insert_rows(session, Delivery.__table__, rows)
