"""The worker's queries: claim due deliveries, record an attempt, release a claim.

Claims are short transactions: `SELECT ... FOR UPDATE OF delivery SKIP LOCKED` picks due
rows no other worker is claiming at that moment, and the UPDATE that follows leases them
(`claimed_until`), so the POSTs happen outside any transaction and other workers skip the
leased rows until the lease runs out. SQLite renders no FOR UPDATE: it has one writer at a
time (BEGIN IMMEDIATE), which serialises the claims all the same.
"""

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, exists, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from app.models import Delivery, DeliveryAttempt, OutboxEvent, Subscription
from app.models.delivery import FAILED
from app.repositories.deliveries import IS_PENDING, PENDING_LITERAL

_earlier = aliased(Delivery)
# An earlier event of the same patient for the same subscription is still pending: this
# one waits (failed and delivered ones do not hold it back).
_WAITS_ITS_TURN = exists().where(
    _earlier.subscription_id == Delivery.subscription_id,
    _earlier.patient_id == Delivery.patient_id,
    _earlier.status == PENDING_LITERAL,
    _earlier.event_seq < Delivery.event_seq,
)


async def due(session: AsyncSession, now: datetime, limit: int) -> Sequence[Row[Any]]:
    """Up to `limit` deliveries to attempt now, locked (PostgreSQL) until this transaction
    ends, each with its event and its subscription's URL and secrets."""
    stmt = (
        select(
            Delivery.id,
            Delivery.attempts,
            Delivery.attempts_before_window,
            Delivery.window_started_at,
            OutboxEvent.id.label("event_id"),
            OutboxEvent.event_type,
            OutboxEvent.occurred_at,
            OutboxEvent.patient_id,
            OutboxEvent.data,
            Subscription.url,
            Subscription.secret,
            Subscription.previous_secret,
            Subscription.rotated_at,
        )
        .join(OutboxEvent, OutboxEvent.id == Delivery.event_id)
        .join(Subscription, Subscription.id == Delivery.subscription_id)
        .where(
            IS_PENDING,
            Delivery.next_attempt_at <= now,
            or_(Delivery.claimed_until.is_(None), Delivery.claimed_until <= now),
            Subscription.active.is_(True),
            ~_WAITS_ITS_TURN,
        )
        .order_by(Delivery.next_attempt_at)
        .limit(limit)
        .with_for_update(of=Delivery, skip_locked=True)
    )
    return (await session.execute(stmt)).all()


async def lease(
    session: AsyncSession, ids: Sequence[uuid.UUID], worker: str, until: datetime
) -> None:
    await session.execute(
        update(Delivery).where(Delivery.id.in_(ids)).values(claimed_until=until, claimed_by=worker)
    )


async def expire(session: AsyncSession, ids: Sequence[uuid.UUID], reason: str) -> None:
    """Past their deadline before any attempt in their window (the subscription was
    paused, or no worker ran): failed without sending."""
    await session.execute(
        update(Delivery).where(Delivery.id.in_(ids)).values(status=FAILED, last_error=reason)
    )


async def held(
    session: AsyncSession, ids: Sequence[uuid.UUID], worker: str
) -> dict[uuid.UUID, Row[uuid.UUID, int, int, datetime]]:
    """Of these deliveries, those whose claim `worker` still holds (locked until commit)."""
    stmt = (
        select(
            Delivery.id,
            Delivery.attempts,
            Delivery.attempts_before_window,
            Delivery.window_started_at,
        )
        .where(Delivery.id.in_(ids), Delivery.claimed_by == worker, IS_PENDING)
        .with_for_update()
    )
    return {row.id: row for row in (await session.execute(stmt)).all()}


async def add_attempts(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    await session.execute(insert(DeliveryAttempt), list(rows))


async def finish(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Each delivery's state after its attempt (rows keyed by `id`); the claims end with it.
    One executemany UPDATE by primary key for the lot."""
    ended = [{**row, "claimed_until": None, "claimed_by": None} for row in rows]
    await session.execute(update(Delivery), ended)


async def release(session: AsyncSession, ids: Sequence[uuid.UUID], worker: str) -> None:
    """Give claims back unsent (a stopping worker): claimable again at once."""
    await session.execute(
        update(Delivery)
        .where(Delivery.id.in_(ids), Delivery.claimed_by == worker, IS_PENDING)
        .values(claimed_until=None, claimed_by=None)
    )
