"""Deliveries as the admin reads and retries them, and the queue the metrics report."""

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, func, literal_column, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Delivery, DeliveryAttempt, OutboxEvent, Subscription
from app.models.delivery import FAILED
from app.repositories.base import keyset_page

# Written as a literal, not a bound parameter: only then can either database prove the
# condition of the partial index on pending rows and use it.
PENDING_LITERAL: ColumnElement[str] = literal_column("'pending'")
IS_PENDING: ColumnElement[bool] = Delivery.status == PENDING_LITERAL


async def page(
    session: AsyncSession,
    subscription_id: uuid.UUID,
    *,
    status: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[Sequence[Delivery], str | None]:
    """A subscription's deliveries, oldest event first."""
    stmt = select(Delivery).where(Delivery.subscription_id == subscription_id)
    if status is not None:
        stmt = stmt.where(Delivery.status == status)
    found: tuple[Sequence[Any], str | None] = await keyset_page(
        session, stmt, sort=Delivery.created_at, key=Delivery.id, cursor=cursor, limit=limit
    )
    return cast(Sequence[Delivery], found[0]), found[1]


async def events_of(
    session: AsyncSession, event_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, tuple[str, str]]:
    """Each event's type and its patient's organization."""
    stmt = select(OutboxEvent.id, OutboxEvent.event_type, OutboxEvent.organization).where(
        OutboxEvent.id.in_(event_ids)
    )
    return {row.id: (row.event_type, row.organization) for row in await session.execute(stmt)}


async def attempts_of(
    session: AsyncSession, delivery_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[DeliveryAttempt]]:
    """Each delivery's attempts, in the order they were made."""
    stmt = (
        select(DeliveryAttempt)
        .where(DeliveryAttempt.delivery_id.in_(delivery_ids))
        .order_by(DeliveryAttempt.delivery_id, DeliveryAttempt.number)
    )
    found: dict[uuid.UUID, list[DeliveryAttempt]] = defaultdict(list)
    for attempt in (await session.scalars(stmt)).all():
        found[attempt.delivery_id].append(attempt)
    return found


async def get(
    session: AsyncSession, subscription_id: uuid.UUID, delivery_id: uuid.UUID
) -> Delivery | None:
    """One of this subscription's deliveries, locked until commit (PostgreSQL)."""
    stmt = (
        select(Delivery)
        .where(Delivery.id == delivery_id, Delivery.subscription_id == subscription_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return await session.scalar(stmt)


async def again(session: AsyncSession, delivery_id: uuid.UUID, now: datetime) -> bool:
    """A failed delivery pending again at once, in a new retry window (its Webhook-Id and
    attempt log kept); False when it was not failed."""
    stmt = (
        update(Delivery)
        .where(Delivery.id == delivery_id, Delivery.status == FAILED)
        .values(
            status="pending",
            next_attempt_at=now,
            window_started_at=now,
            attempts_before_window=Delivery.attempts,
            claimed_until=None,
            claimed_by=None,
        )
    )
    return bool((await session.execute(stmt)).rowcount)  # type: ignore[attr-defined]


async def fail_pending(session: AsyncSession, subscription_id: uuid.UUID, *, reason: str) -> None:
    """Fail every delivery of a subscription still pending (a deleted one sends nothing)."""
    await session.execute(
        update(Delivery)
        .where(Delivery.subscription_id == subscription_id, IS_PENDING)
        .values(status=FAILED, last_error=reason, claimed_until=None, claimed_by=None)
    )


async def queue(session: AsyncSession) -> tuple[int, datetime | None]:
    """Pending deliveries of active subscriptions, and the oldest one's event time."""
    stmt = (
        select(func.count(), func.min(Delivery.created_at))
        .join(Subscription, Subscription.id == Delivery.subscription_id)
        .where(IS_PENDING, Subscription.active.is_(True))
    )
    count, oldest = (await session.execute(stmt)).one()
    return int(count), oldest
