"""A subscription's delivery log (every attempt: status code, latency, error, excerpt) and
the manual retry of a failed delivery (scope admin)."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from app.errors import Conflict, NotFound
from app.models import Delivery, DeliveryAttempt
from app.models.base import utcnow
from app.repositories import deliveries as repo
from app.services import subscriptions
from app.services.uow import UnitOfWork

KIND = "delivery"


@dataclass(frozen=True, slots=True)
class DeliveryView:
    row: Delivery
    event_type: str
    organization: str  # the patient's
    attempts: list[DeliveryAttempt]


async def page(
    uow: UnitOfWork,
    subscription_id: uuid.UUID,
    *,
    status: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[DeliveryView], str | None]:
    """Oldest event first, optionally only those with `status`."""
    await subscriptions.get(uow, subscription_id)
    uow.audit.about(KIND)
    rows, after = await repo.page(
        uow.session, subscription_id, status=status, cursor=cursor, limit=limit
    )
    views = await _views(uow, rows)
    uow.audit.listed((view.row.patient_id, view.organization) for view in views)
    return views, after


async def retry(
    uow: UnitOfWork, subscription_id: uuid.UUID, delivery_id: uuid.UUID
) -> DeliveryView:
    """A `failed` delivery is pending again now, with the same Webhook-Id and a new retry
    window (the deadline counts from now, the backoff starts over); 409 otherwise."""
    owner = await subscriptions.get(uow, subscription_id)
    uow.audit.touch(KIND, delivery_id)
    row = await repo.get(uow.session, subscription_id, delivery_id)
    if row is None:
        raise NotFound("no delivery with this id for this subscription")
    uow.audit.touch(KIND, delivery_id, row.patient_id)
    if owner.deleted_at is not None:
        raise Conflict("this subscription was deleted: its deliveries cannot be retried")
    if not await repo.again(uow.session, delivery_id, utcnow()):
        raise Conflict(f"only a failed delivery can be retried; this one is {row.status}")
    row = await repo.get(uow.session, subscription_id, delivery_id) or row
    return (await _views(uow, [row]))[0]


async def _views(uow: UnitOfWork, rows: Sequence[Delivery]) -> list[DeliveryView]:
    ids = [row.id for row in rows]
    events = await repo.events_of(uow.session, [row.event_id for row in rows])
    attempts = await repo.attempts_of(uow.session, ids)
    return [DeliveryView(row, *events[row.event_id], attempts.get(row.id, [])) for row in rows]
