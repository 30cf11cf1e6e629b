"""Subscriptions (scope admin): create, read, change, rotate the secret, delete.

A secret is shown once, in the answer that creates it (creation or rotation). A URL is
checked when it is set (form, then every address its host resolves to) and again by the
worker before each attempt. DELETE deactivates: the delivery history stays readable, and the
deliveries still pending are failed (nothing will send them).
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from app.errors import NotFound, PreconditionFailed, Unprocessable
from app.models import Subscription
from app.models.base import new_id, utcnow
from app.repositories import deliveries as delivery_repo
from app.repositories import subscriptions as repo
from app.schemas.subscription import SubscriptionCreate, SubscriptionUpdate
from app.security import ALL_ORGANIZATIONS, Principal
from app.services.uow import UnitOfWork
from app.webhooks import InvalidSecret, TargetRefused, WebhookSecret, vet_target

KIND = "subscription"


@dataclass(frozen=True, slots=True)
class Shown:
    """A subscription as answered, with its secret when this answer created one."""

    row: Subscription
    secret: WebhookSecret | None = None


async def create(uow: UnitOfWork, body: SubscriptionCreate) -> Shown:
    uow.audit.touch(KIND)
    await _check_url(uow, body.url)
    secret = _secret(body.secret)
    now = utcnow()
    row = Subscription(
        id=new_id(),
        version=1,
        url=body.url,
        events=list(body.events),
        organizations=_organizations(uow, body.organizations),
        active=body.active,
        secret=secret.reveal(),
        created_by=uow.actor,
        created_at=now,
        updated_at=now,
    )
    repo.add(uow.session, row)
    _audited(uow, row)
    return Shown(row, secret)


async def get(uow: UnitOfWork, subscription_id: uuid.UUID, *, lock: bool = False) -> Subscription:
    """One the caller may see (deleted ones included); `lock`: held until commit."""
    uow.audit.touch(KIND, subscription_id)
    row = await repo.get(uow.session, subscription_id, for_update=lock)
    if row is None or not visible(uow.caller, row.organizations, tenancy=uow.settings.tenancy):
        raise NotFound("no subscription with this id")
    _audited(uow, row)
    return row


async def page(
    uow: UnitOfWork, *, include_deleted: bool, cursor: str | None, limit: int
) -> tuple[list[Subscription], str | None]:
    """Oldest first. Under tenancy a page leaves out the subscriptions of organizations
    the caller does not have (it may then be short; `next_cursor` still goes on)."""
    uow.audit.touch(KIND)
    rows, after = await repo.page(
        uow.session, include_deleted=include_deleted, cursor=cursor, limit=limit
    )
    tenancy = uow.settings.tenancy
    return [r for r in rows if visible(uow.caller, r.organizations, tenancy=tenancy)], after


async def update(
    uow: UnitOfWork, subscription_id: uuid.UUID, body: SubscriptionUpdate, *, if_match: int | None
) -> Shown:
    row = await _live(uow, subscription_id, if_match)
    if body.url is not None and body.url != row.url:
        await _check_url(uow, body.url)
        row.url = body.url
    if body.events is not None:
        row.events = list(body.events)
    if body.organizations is not None:
        row.organizations = _organizations(uow, body.organizations)
    if body.active is not None:
        row.active = body.active
    secret = _rotate(row) if body.rotate_secret else None
    await repo.save(uow.session, row)
    return Shown(row, secret)


async def delete(uow: UnitOfWork, subscription_id: uuid.UUID, *, if_match: int | None) -> Shown:
    """Deactivate for good; the deliveries still pending fail (their history stays)."""
    row = await get(uow, subscription_id, lock=True)
    _check_version(row, if_match)
    if row.deleted_at is None:
        row.active, row.deleted_at = False, utcnow()
        await repo.save(uow.session, row)
        await delivery_repo.fail_pending(uow.session, row.id, reason="subscription_deleted")
    return Shown(row)


def _audited(uow: UnitOfWork, row: Subscription) -> None:
    """The audit event names the subscription, and its organization when it has one only
    (an auditor of that organization then sees it; otherwise the group's auditors do)."""
    uow.audit.touch(KIND, row.id)
    if len(row.organizations) == 1 and row.organizations[0] != ALL_ORGANIZATIONS:
        uow.audit.organization = row.organizations[0]


def visible(caller: Principal, organizations: Sequence[str], *, tenancy: bool) -> bool:
    """A subscription is the caller's to see and change when every organization it names
    is one of the caller's (tenancy off: always; `*` callers: always)."""
    mine = caller.organizations or frozenset()
    return not tenancy or ALL_ORGANIZATIONS in mine or set(organizations) <= mine


async def _live(uow: UnitOfWork, subscription_id: uuid.UUID, if_match: int | None) -> Subscription:
    row = await get(uow, subscription_id, lock=True)
    if row.deleted_at is not None:
        raise NotFound("this subscription was deleted")
    _check_version(row, if_match)
    return row


def _check_version(row: Subscription, if_match: int | None) -> None:
    if if_match is not None and if_match != row.version:
        raise PreconditionFailed(
            f"If-Match names version {if_match}; the subscription is at version {row.version}",
            current_version=row.version,
        )


async def _check_url(uow: UnitOfWork, url: str) -> None:
    """The URL's form and the addresses its host resolves to (422 naming the rule; the URL
    is never repeated: its query may hold the receiver's token)."""
    try:
        await vet_target(url, allow_private=uow.settings.webhook_allow_private)
    except TargetRefused as refused:
        raise Unprocessable(str(refused), loc=("body", "url"), reason=str(refused.reason)) from None


def _secret(sent: str | None) -> WebhookSecret:
    if sent is None:
        return WebhookSecret.generate()
    try:
        return WebhookSecret(sent)
    except InvalidSecret as invalid:
        raise Unprocessable(str(invalid), loc=("body", "secret")) from None


def _organizations(uow: UnitOfWork, asked: Sequence[str] | None) -> list[str]:
    """Within the caller's organizations (tenancy on); by default the caller's own, or,
    with tenancy off, the default organization."""
    settings = uow.settings
    if not settings.tenancy:
        return list(asked or [settings.default_organization])
    mine = uow.caller.organizations or frozenset()
    chosen = list(asked) if asked is not None else sorted(mine)
    if not chosen:
        raise Unprocessable("organizations is required", loc=("body", "organizations"))
    if not visible(uow.caller, chosen, tenancy=True):
        raise Unprocessable(
            "organizations must be among the caller's own", loc=("body", "organizations")
        )
    return chosen


def _rotate(row: Subscription) -> WebhookSecret:
    """A new current secret; the one it replaces keeps signing through the overlap."""
    fresh = WebhookSecret.generate()
    row.previous_secret, row.secret, row.rotated_at = row.secret, fresh.reveal(), utcnow()
    return fresh
