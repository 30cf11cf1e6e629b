"""Signatures across a secret rotation, and which subscriptions hear of which patients."""

import json

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


async def test_a_subscription_of_organization_a_never_receives_bs_events(
    quick: Settings, receiver: Receiver
) -> None:
    tenant = quick.model_copy(update={"tenancy": True})
    app: FastAPI = create_app(tenant)
    patients: dict[str, str] = {}
    try:
        async with admin_client(app, tenant, orgs=["*"]) as group:
            for org in ("A", "B"):
                await subscribe(group, receiver.url(f"/ok?for={org}"), organizations=[org])
        for org in ("A", "B"):
            async with client_with(app, token(tenant, orgs=[org])) as clinician:
                patient = await f.patient(clinician)  # in the clinician's one organization
                lab = f.lab_body()
                await f.created(clinician, f"/v1/patients/{patient['id']}/lab-results", lab)
                patients[org] = patient["id"]
    finally:
        await app.state.engine.dispose()
    async with stored.opened(tenant) as database:
        written = await stored.events(database, tenant)

    await deliver_until(tenant, lambda: len(receiver.requests) >= len(written))

    assert len(receiver.requests) == len(written)  # each event once, to its own organization
    for org, patient_id in patients.items():
        got = [json.loads(r.body) for r in receiver.requests if r.path == f"/ok?for={org}"]
        assert {body["patient_id"] for body in got} == {patient_id}
        mine = [str(e.id) for e in written if str(e.patient_id) == patient_id]
        assert [body["id"] for body in got] == mine
    assert {e.organization for e in written} == {"A", "B"}
