import httpx
import pytest
from fastapi import FastAPI

from app.config import Settings
from tests.support import factories as f
from tests.support.clients import client_with, token

pytestmark = pytest.mark.anyio


async def test_reads_and_writes_are_audited_without_patient_data(
    client: httpx.AsyncClient,
) -> None:
    patient = await f.patient(client, given_name="Zelda-Unique")
    await client.get(f"/v1/patients/{patient['id']}")
    await client.get(f"/v1/patients/{patient['id']}/lab-results")
    await client.post(f"/v1/patients/{patient['id']}/lab-results", json=f.lab_body(unit="bad"))
    response = await client.get("/v1/audit-events", params={"patient_id": patient["id"]})
    assert response.status_code == 200
    events = response.json()["items"]
    assert [(e["method"], e["resource_type"], e["status"]) for e in events] == [
        ("POST", "patient", 201),
        ("GET", "patient", 200),
        ("GET", "lab_result", 200),
        ("POST", "lab_result", 422),
    ]
    assert {e["actor"] for e in events} == {"tester"}
    assert all(e["patient_id"] == patient["id"] for e in events)
    assert events[1]["resource_id"] == patient["id"]
    assert all(e["request_id"] for e in events)
    assert "Zelda-Unique" not in response.text
    assert patient["mrn"] not in response.text


async def test_audit_needs_its_scope_and_cannot_be_changed(
    app: FastAPI, settings: Settings
) -> None:
    async with client_with(app, token(settings, "records:read records:write")) as c:
        await f.patient(c)  # an event to try to change
        assert (await c.get("/v1/audit-events")).status_code == 403
    async with client_with(app, token(settings, "audit:read")) as c:
        page = (await c.get("/v1/audit-events", params={"limit": 1})).json()
        event_id = page["items"][0]["id"]
        for method in ("PATCH", "PUT", "DELETE"):
            response = await c.request(method, f"/v1/audit-events/{event_id}", json={})
            assert response.status_code in (404, 405)


async def test_audit_filters_by_actor(app: FastAPI, settings: Settings) -> None:
    async with client_with(app, token(settings, "records:write", sub="nurse-7")) as c:
        await c.post("/v1/patients", json=f.patient_body())
    async with client_with(app, token(settings, "audit:read")) as c:
        events = (await c.get("/v1/audit-events", params={"actor": "nurse-7"})).json()["items"]
    assert events
    assert {e["actor"] for e in events} == {"nurse-7"}
