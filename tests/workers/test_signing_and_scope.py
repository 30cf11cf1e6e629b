"""Signatures across a secret rotation, and which subscriptions hear of which patients."""

import httpx
import pytest
from fastapi import FastAPI
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from app.config import Settings
from app.main import create_app
from app.services.outbox import sees
from tests.outbox import stored
from tests.support import factories as f
from tests.support.clients import client_with, token
from tests.support.receiver import Receiver
from tests.support.webhooks import admin_client, subscribe
from tests.support.workers import deliver_until

pytestmark = pytest.mark.anyio


async def _rotated(admin: httpx.AsyncClient, url: str) -> tuple[str, str]:
    made = await subscribe(admin, url, events=["record.created"])
    rotated = await admin.patch(f"/v1/subscriptions/{made['id']}", json={"rotate_secret": True})
    return made["secret"], rotated.json()["secret"]


async def test_after_a_rotation_both_secrets_sign_until_the_overlap_ends(
    quick: Settings, admin: httpx.AsyncClient, writer: httpx.AsyncClient, receiver: Receiver
) -> None:
    old, new = await _rotated(admin, receiver.url("/ok"))
    await f.patient(writer)
    await deliver_until(quick, lambda: len(receiver.requests) == 1)
    [request] = receiver.requests
    assert len(request.headers["webhook-signature"].split(" ")) == 2
    for secret in (new, old):  # a receiver holding either verifies, with the standard's code
        Webhook(secret).verify(request.body, request.headers)

    ended = quick.model_copy(update={"webhook_secret_overlap_hours": 0})
    await f.patient(writer)
    await deliver_until(ended, lambda: len(receiver.requests) == 2)
    latest = receiver.requests[-1]
    assert len(latest.headers["webhook-signature"].split(" ")) == 1
    Webhook(new).verify(latest.body, latest.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(old).verify(latest.body, latest.headers)


@pytest.mark.parametrize(
    ("organizations", "patient", "tenancy", "told"),
    [
        (["A"], "A", True, True),
        (["A"], "B", True, False),
        (["A", "B"], "B", True, True),
        (["*"], "B", True, True),
        (["A"], "B", False, True),  # tenancy off: every subscription sees every patient
    ],
)
def test_a_subscription_sees_only_its_organizations_patients(
    organizations: list[str], patient: str, tenancy: bool, told: bool
) -> None:
    assert sees(organizations, patient, tenancy=tenancy) is told


async def test_a_subscription_of_another_organization_is_never_sent_its_patients_events(
    quick: Settings, receiver: Receiver
) -> None:
    """Every patient is in the default organization until organizations are merged: a
    subscription of organization A gets none of their events, the default one's all."""
    tenant = quick.model_copy(update={"tenancy": True})
    app: FastAPI = create_app(tenant)
    try:
        async with admin_client(app, tenant, orgs=["*"]) as group:
            other = await subscribe(group, receiver.url("/ok?for=A"), organizations=["A"])
            home = await subscribe(
                group, receiver.url("/ok?for=default"), organizations=["default"]
            )
        async with client_with(app, token(tenant)) as writer:
            await f.patient(writer)
    finally:
        await app.state.engine.dispose()
    async with stored.opened(tenant) as database:
        database_events = len(await stored.events(database, tenant))

    await deliver_until(tenant, lambda: len(receiver.requests) >= database_events)

    assert {r.path for r in receiver.requests} == {"/ok?for=default"}
    assert len(receiver.requests) == database_events
    async with stored.opened(tenant) as database:
        subscribed = {d.subscription_id for d in await stored.deliveries(database, tenant)}
    assert {str(s) for s in subscribed} == {home["id"]}
    assert other["id"] not in {str(s) for s in subscribed}
