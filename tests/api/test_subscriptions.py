"""Subscriptions (scope admin): the secret shown once, URLs refused with the reason and
without the URL, PATCH with If-Match and rotation, DELETE that keeps the history."""

import base64
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from app.config import Settings
from app.main import create_app
from app.models import AuditEvent, Subscription
from tests.support import factories as f
from tests.support.webhooks import admin_client, local, subscribe

pytestmark = pytest.mark.anyio
HOOK = "http://127.0.0.1:9/hook"  # never called here: no worker runs
OWN_SECRET = "whsec_" + base64.b64encode(b"k" * 24).decode()


@pytest.fixture
async def admin(app: FastAPI, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """An admin of an app that allows private targets (development)."""
    dev = create_app(local(settings))
    async with admin_client(dev, settings) as c:
        yield c
    await dev.state.engine.dispose()


async def _stored(app: FastAPI, subscription_id: str) -> Subscription:
    async with app.state.sessionmaker() as session:
        found: Subscription | None = await session.get(Subscription, uuid.UUID(subscription_id))
        assert found is not None
        return found


async def test_the_secret_is_shown_once_in_the_201(admin: httpx.AsyncClient) -> None:
    created = await admin.post(
        "/v1/subscriptions", json={"url": HOOK, "events": ["status.changed"]}
    )
    assert created.status_code == 201
    body = created.json()
    assert created.headers["location"] == f"/v1/subscriptions/{body['id']}"
    assert created.headers["etag"] == 'W/"1"'
    assert body["secret"].startswith("whsec_")
    assert len(base64.b64decode(body["secret"].removeprefix("whsec_"))) == 32
    assert (body["organizations"], body["active"], body["version"]) == (["default"], True, 1)
    one = await admin.get(f"/v1/subscriptions/{body['id']}")
    listed = await admin.get("/v1/subscriptions")
    for later in (one, listed):
        assert later.status_code == 200
        assert "secret" not in later.text
        assert body["secret"] not in later.text
    assert one.json() == {k: v for k, v in body.items() if k != "secret"}


async def test_a_callers_own_secret_is_kept_and_a_weak_one_refused(
    admin: httpx.AsyncClient,
) -> None:
    own = await subscribe(admin, HOOK, secret=OWN_SECRET)
    assert own["secret"] == OWN_SECRET
    weak = "whsec_" + base64.b64encode(b"k" * 16).decode()
    refused = await admin.post(
        "/v1/subscriptions", json={"url": HOOK, "events": ["record.created"], "secret": weak}
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["loc"] == ["body", "secret"]
    assert weak not in refused.text


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://ehr.example/hook?token=s3cr3t-t0ken", "https_required"),
        ("https://127.0.0.1/hook?token=s3cr3t-t0ken", "non_public_address"),
        ("https://localhost/hook?token=s3cr3t-t0ken", "non_public_address"),
        ("https://[::1]:8443/hook?token=s3cr3t-t0ken", "non_public_address"),
        ("ftp://ehr.example/hook?token=s3cr3t-t0ken", "scheme"),
        ("https://user:s3cr3t-t0ken@ehr.example/hook", "userinfo"),
    ],
)
async def test_urls_are_refused_with_the_reason_never_the_url(
    app: FastAPI, settings: Settings, url: str, reason: str
) -> None:
    async with admin_client(app, settings) as c:  # production settings: https, public only
        refused = await c.post("/v1/subscriptions", json={"url": url, "events": ["status.changed"]})
        created = await c.get("/v1/subscriptions")
    assert refused.status_code == 422
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["reason"] == reason
    assert refused.json()["errors"][0]["loc"] == ["body", "url"]
    assert "s3cr3t-t0ken" not in refused.text
    assert created.json()["items"] == []


async def test_every_subscription_operation_needs_the_admin_scope(
    client: httpx.AsyncClient, admin: httpx.AsyncClient
) -> None:
    made = await subscribe(admin, HOOK)
    one = f"/v1/subscriptions/{made['id']}"
    calls = [
        ("POST", "/v1/subscriptions"),
        ("GET", "/v1/subscriptions"),
        ("GET", one),
        ("PATCH", one),
        ("DELETE", one),
        ("GET", f"{one}/deliveries"),
        ("POST", f"{one}/deliveries/{made['id']}:retry"),
    ]
    for method, path in calls:
        response = await client.request(method, path, json={"active": False})
        assert response.status_code == 403, (method, path)
        assert 'scope="admin"' in response.headers["www-authenticate"]


async def test_patch_honours_if_match_and_a_rotation_shows_the_new_secret_once(
    admin: httpx.AsyncClient, app: FastAPI
) -> None:
    made = await subscribe(admin, HOOK)
    one = f"/v1/subscriptions/{made['id']}"
    paused = await admin.patch(
        one, json={"active": False, "events": ["record.created"]}, headers={"If-Match": 'W/"1"'}
    )
    assert paused.status_code == 200
    assert (paused.json()["active"], paused.json()["events"], paused.json()["version"]) == (
        False,
        ["record.created"],
        2,
    )
    assert "secret" not in paused.json()
    stale = await admin.patch(one, json={"active": True}, headers={"If-Match": 'W/"1"'})
    assert stale.status_code == 412
    rotated = await admin.patch(one, json={"rotate_secret": True})
    assert rotated.status_code == 200
    fresh = rotated.json()["secret"]
    assert fresh.startswith("whsec_")
    assert fresh != made["secret"]
    assert rotated.json()["rotated_at"] is not None
    stored = await _stored(app, made["id"])
    assert (stored.secret, stored.previous_secret) == (fresh, made["secret"])
    assert fresh not in (await admin.get(one)).text
    nulled = await admin.patch(one, json={"url": None})
    assert nulled.status_code == 422


async def test_an_idempotent_repeat_answers_the_first_creation_again(
    admin: httpx.AsyncClient,
) -> None:
    body = {"url": HOOK, "events": ["record.changed"]}
    first = await admin.post("/v1/subscriptions", json=body, headers={"Idempotency-Key": "sub-1"})
    again = await admin.post("/v1/subscriptions", json=body, headers={"Idempotency-Key": "sub-1"})
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    assert len((await admin.get("/v1/subscriptions")).json()["items"]) == 1


async def test_delete_deactivates_and_keeps_the_delivery_history(
    admin: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    made = await subscribe(admin, HOOK, events=["record.created"])
    one = f"/v1/subscriptions/{made['id']}"
    await f.patient(client)
    pending = (await admin.get(f"{one}/deliveries")).json()["items"]
    assert [d["status"] for d in pending] == ["pending"]

    deleted = await admin.delete(one)
    assert deleted.status_code == 200
    assert deleted.json()["active"] is False
    assert deleted.json()["deleted_at"] is not None
    assert (await admin.get(one)).status_code == 200  # still readable by id
    assert (await admin.get("/v1/subscriptions")).json()["items"] == []
    everything = (await admin.get("/v1/subscriptions", params={"include_deleted": "true"})).json()
    assert [s["id"] for s in everything["items"]] == [made["id"]]
    [kept] = (await admin.get(f"{one}/deliveries")).json()["items"]
    assert (kept["id"], kept["status"], kept["last_error"]) == (
        pending[0]["id"],
        "failed",
        "subscription_deleted",
    )
    assert (await admin.patch(one, json={"active": True})).status_code == 404
    assert (await admin.post(f"{one}/deliveries/{kept['id']}:retry")).status_code == 409
    await f.patient(client)
    assert len((await admin.get(f"{one}/deliveries")).json()["items"]) == 1  # nothing new


async def test_subscription_operations_are_audited(
    admin: httpx.AsyncClient, client: httpx.AsyncClient, app: FastAPI
) -> None:
    made = await subscribe(admin, HOOK, events=["record.created"])
    await admin.get(f"/v1/subscriptions/{made['id']}")
    patient = await f.patient(client)
    await admin.get(f"/v1/subscriptions/{made['id']}/deliveries")
    async with app.state.sessionmaker() as session:
        stmt = select(AuditEvent).where(AuditEvent.actor == "integration-admin")
        events = (await session.scalars(stmt.order_by(AuditEvent.occurred_at))).all()
    assert [(e.method, e.resource_type, str(e.resource_id), e.status) for e in events] == [
        ("POST", "subscription", made["id"], 201),
        ("GET", "subscription", made["id"], 200),
        ("GET", "delivery", "None", 200),
    ]
    assert {e.organization for e in events} == {"default"}  # the subscription's
    assert events[-1].patient_ids == [patient["id"]]  # whom the delivery log named


async def test_under_tenancy_a_subscription_stays_within_its_creators_organizations(
    settings: Settings,
) -> None:
    tenant = create_app(local(settings, tenancy=True))
    try:
        async with admin_client(tenant, settings, orgs=["A"]) as a:
            mine = await subscribe(a, HOOK)
            beyond = await a.post(
                "/v1/subscriptions",
                json={"url": HOOK, "events": ["record.created"], "organizations": ["A", "B"]},
            )
        async with admin_client(tenant, settings, orgs=["B"]) as b:
            hidden = await b.get(f"/v1/subscriptions/{mine['id']}")
            listed_b = (await b.get("/v1/subscriptions")).json()["items"]
        async with admin_client(tenant, settings, orgs=["*"]) as group:
            listed_all = (await group.get("/v1/subscriptions")).json()["items"]
    finally:
        await tenant.state.engine.dispose()
    assert mine["organizations"] == ["A"]  # the creator's, by default
    assert beyond.status_code == 422
    assert beyond.json()["errors"][0]["loc"] == ["body", "organizations"]
    assert (hidden.status_code, listed_b) == (404, [])
    assert [s["id"] for s in listed_all] == [mine["id"]]
