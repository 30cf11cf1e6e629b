"""Subscriptions (webhooks) and their deliveries: scope admin."""

import uuid
from typing import Annotated, Any

from fastapi import Query

from app.api.deps import AdminReadUoW, AdminUoW, CursorPage, Idempotent, IfMatch, api_router
from app.api.responses import errors, json_response, page, replayable, single
from app.schemas.common import Page
from app.schemas.subscription import (
    DeliveryRead,
    DeliveryStatus,
    SubscriptionCreate,
    SubscriptionRead,
    SubscriptionUpdate,
    SubscriptionWithSecret,
)
from app.services import deliveries, idempotency, subscriptions
from app.services.deliveries import DeliveryView
from app.services.subscriptions import Shown
from app.services.uow import StoredAnswer

router = api_router(prefix="/v1", tags=["subscriptions"])
ONE = "/subscriptions/{subscription_id}"


@router.post(
    "/subscriptions",
    status_code=201,
    dependencies=[Idempotent],
    response_model=SubscriptionWithSecret,
    operation_id="createSubscription",
    responses=errors(),
)
@replayable
async def create_subscription(body: SubscriptionCreate, uow: AdminUoW) -> Any:
    """Subscribe a URL to events; the answer shows the signing secret, once."""
    shown = await subscriptions.create(uow, body)
    location = f"/v1/subscriptions/{shown.row.id}"
    read = _read(shown)
    uow.audit.status = 201
    idempotency.remember(uow, StoredAnswer(201, read.model_dump(mode="json"), location))
    return single(read, 201, {"Location": location})


@router.get(
    "/subscriptions",
    response_model=Page[SubscriptionRead],
    operation_id="listSubscriptions",
    responses=errors(),
)
async def list_subscriptions(
    uow: AdminReadUoW,
    paging: CursorPage,
    include_deleted: Annotated[bool, Query(description="also list deleted ones")] = False,
) -> Any:
    """Subscriptions, oldest first (never their secrets)."""
    rows, cursor = await subscriptions.page(
        uow, include_deleted=include_deleted, cursor=paging.cursor, limit=paging.limit
    )
    return page(SubscriptionRead, [SubscriptionRead.model_validate(r) for r in rows], cursor)


@router.get(
    ONE, response_model=SubscriptionRead, operation_id="getSubscription", responses=errors(404)
)
async def get_subscription(subscription_id: uuid.UUID, uow: AdminReadUoW) -> Any:
    """One subscription, deleted ones included (never its secret)."""
    return single(SubscriptionRead.model_validate(await subscriptions.get(uow, subscription_id)))


@router.patch(
    ONE,
    response_model=SubscriptionWithSecret | SubscriptionRead,
    operation_id="updateSubscription",
    responses=errors(404, 412),
)
async def update_subscription(
    subscription_id: uuid.UUID, body: SubscriptionUpdate, uow: AdminUoW, version: IfMatch
) -> Any:
    """Change the fields sent; `rotate_secret: true` answers with the new secret, once."""
    shown = await subscriptions.update(uow, subscription_id, body, if_match=version)
    return single(_read(shown))


@router.delete(
    ONE,
    response_model=SubscriptionRead,
    operation_id="deleteSubscription",
    responses=errors(404, 412),
)
async def delete_subscription(subscription_id: uuid.UUID, uow: AdminUoW, version: IfMatch) -> Any:
    """Deactivate for good: nothing more is sent, the delivery history stays readable."""
    return single(_read(await subscriptions.delete(uow, subscription_id, if_match=version)))


@router.get(
    f"{ONE}/deliveries",
    response_model=Page[DeliveryRead],
    operation_id="listSubscriptionDeliveries",
    responses=errors(404),
)
async def list_deliveries(
    subscription_id: uuid.UUID,
    uow: AdminReadUoW,
    paging: CursorPage,
    status: Annotated[DeliveryStatus | None, Query(description="only these")] = None,
) -> Any:
    """Deliveries, oldest event first, each with its attempts (status code, latency,
    error kind, the start of the answer)."""
    views, cursor = await deliveries.page(
        uow, subscription_id, status=status, cursor=paging.cursor, limit=paging.limit
    )
    return page(DeliveryRead, [_delivery(view) for view in views], cursor)


@router.post(
    f"{ONE}/deliveries/{{delivery_id}}:retry",
    dependencies=[Idempotent],
    response_model=DeliveryRead,
    operation_id="retrySubscriptionDelivery",
    responses=errors(404, 409),
)
@replayable
async def retry_delivery(subscription_id: uuid.UUID, delivery_id: uuid.UUID, uow: AdminUoW) -> Any:
    """Send a `failed` delivery again now, with the same Webhook-Id (409 if it is not
    failed)."""
    read = _delivery(await deliveries.retry(uow, subscription_id, delivery_id))
    idempotency.remember(uow, StoredAnswer(200, read.model_dump(mode="json"), None))
    return json_response(read)


def _read(shown: Shown) -> SubscriptionRead:
    if shown.secret is None:
        return SubscriptionRead.model_validate(shown.row)
    read = SubscriptionRead.model_validate(shown.row).model_dump()
    return SubscriptionWithSecret(**read, secret=shown.secret.reveal())


def _delivery(view: DeliveryView) -> DeliveryRead:
    return DeliveryRead.of(view.row, view.event_type, view.attempts)
