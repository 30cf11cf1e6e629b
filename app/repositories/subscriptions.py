"""Subscriptions: the active targets the outbox fans out to, and the admin's reads."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Subscription
from app.repositories import base
from app.repositories.base import keyset_page


@dataclass(frozen=True, slots=True)
class Target:
    """What the fan-out needs of an active subscription."""

    id: uuid.UUID
    events: frozenset[str]
    organizations: frozenset[str]


# Built once: every write that raises an event runs it.
_ACTIVE = select(Subscription.id, Subscription.events, Subscription.organizations).where(
    Subscription.active.is_(True)
)


async def active_targets(session: AsyncSession) -> list[Target]:
    # Plain rows on the session's connection: no ORM execution around a Core read.
    rows = (await (await session.connection()).execute(_ACTIVE)).all()
    return [Target(row.id, frozenset(row.events), frozenset(row.organizations)) for row in rows]


async def get(
    session: AsyncSession, subscription_id: uuid.UUID, *, for_update: bool = False
) -> Subscription | None:
    """`for_update`: locked until commit (PostgreSQL), and re-read."""
    if not for_update:
        return await session.get(Subscription, subscription_id)
    stmt = select(Subscription).where(Subscription.id == subscription_id).with_for_update()
    return await session.scalar(stmt.execution_options(populate_existing=True))


def add(session: AsyncSession, row: Subscription) -> None:
    session.add(row)


async def save(session: AsyncSession, row: Subscription) -> bool:
    """Write a change now (version + 1); False when nothing changed."""
    return await base.save(session, row)


async def page(
    session: AsyncSession, *, include_deleted: bool, cursor: str | None, limit: int
) -> tuple[Sequence[Subscription], str | None]:
    """Oldest first; deleted ones only when asked."""
    stmt = select(Subscription)
    if not include_deleted:
        stmt = stmt.where(Subscription.deleted_at.is_(None))
    found: tuple[Sequence[Any], str | None] = await keyset_page(
        session,
        stmt,
        sort=Subscription.created_at,
        key=Subscription.id,
        cursor=cursor,
        limit=limit,
    )
    return cast(Sequence[Subscription], found[0]), found[1]
