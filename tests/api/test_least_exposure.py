"""A writer cannot read by writing (api-contract.md 1.1, "Least exposure"): a caller without
records:read is answered with a receipt (ids, version, times), never a stored clinical field:
PATCH {}, DELETE, an external_id re-send, a lab interface's own POST, an Idempotency-Key
replay."""

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.config import Settings
from tests.support import factories as f
from tests.support.clients import client_with, token

pytestmark = pytest.mark.anyio
RECEIPT = {"id", "version", "patient_id", "created_at", "updated_at", "entered_in_error"}
INFUSION_RECEIPT = RECEIPT | {"dose_check", "interval_check"}


@pytest.fixture
async def writer(app: FastAPI, settings: Settings) -> Any:
    async with client_with(app, token(settings, "records:write", sub="writer")) as c:
        yield c


async def test_a_writer_gets_receipts_for_every_kind_of_write(
    client: httpx.AsyncClient, writer: httpx.AsyncClient
) -> None:
    patient = await f.patient(client, given_name="Secret-Name")
    pid = patient["id"]
    regimen = await f.regimen(client, pid)
    made = await writer.post(f"/v1/regimens/{regimen['id']}/infusions", json=f.infusion_body())
    assert made.status_code == 201
    assert set(made.json()) == INFUSION_RECEIPT
    for response in (
        await writer.post("/v1/patients", json=f.patient_body()),
        await writer.patch(f"/v1/patients/{pid}", json={}),
        await writer.patch(f"/v1/regimens/{regimen['id']}", json={}),
        await writer.post(f"/v1/patients/{pid}/assessments", json=f.assessment_body()),
        await writer.delete(f"/v1/regimens/{regimen['id']}"),
    ):
        assert response.status_code in (200, 201), response.text
        assert set(response.json()) == RECEIPT, response.json()
    unchanged = (await writer.patch(f"/v1/patients/{pid}", json={})).json()
    assert unchanged["patient_id"] == pid
    assert unchanged["version"] == patient["version"]
    assert "Secret-Name" not in str(unchanged)


async def test_an_external_id_resend_answers_a_receipt_and_a_conflict_its_id(
    client: httpx.AsyncClient, lab_client: httpx.AsyncClient
) -> None:
    pid = (await f.patient(client))["id"]
    path = f"/v1/patients/{pid}/lab-results"
    body = f.lab_body(external_id="ACC-1")
    first = await lab_client.post(path, json=body)
    again = await lab_client.post(path, json=body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert set(first.json()) == set(again.json()) == RECEIPT
    assert again.json()["id"] == first.json()["id"]
    conflict = await lab_client.post(path, json={**body, "value": 9.9})
    assert conflict.status_code == 409
    assert conflict.json()["existing_id"] == first.json()["id"]
    assert "value" not in conflict.json()


async def test_a_replayed_answer_is_a_receipt_for_a_caller_that_may_not_read(
    app: FastAPI, settings: Settings, client: httpx.AsyncClient
) -> None:
    """Keys are per caller (`sub`); the same caller with a narrower token gets the receipt."""
    pid = (await f.patient(client))["id"]
    path, key = f"/v1/patients/{pid}/assessments", {"Idempotency-Key": "visit-1"}
    body = f.assessment_body()
    full = await client.post(path, json=body, headers=key)
    assert full.status_code == 201
    assert "tender_joints_28" in full.json()
    async with client_with(app, token(settings, "records:write")) as narrower:  # sub "tester"
        replay = await narrower.post(path, json=body, headers=key)
    assert replay.headers["idempotent-replayed"] == "true"
    assert replay.json() == {k: v for k, v in full.json().items() if k in RECEIPT}


async def test_a_reader_that_writes_still_gets_the_record(client: httpx.AsyncClient) -> None:
    made = await f.patient(client)
    assert made["mrn"]
    patched = await client.patch(f"/v1/patients/{made['id']}", json={})
    assert patched.json()["mrn"] == made["mrn"]
