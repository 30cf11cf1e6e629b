"""Which organization a patient is in, who may choose or change it, and what each caller's
searches and cohort lists find (TR_TENANCY=on, and off)."""

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.config import Settings
from tests.support import factories as f
from tests.support.clients import client_with, token, unique_mrn
from tests.tenancy.conftest import Callers, Seeded

pytestmark = pytest.mark.anyio


async def _ids(client: httpx.AsyncClient, **params: str) -> set[str]:
    response = await client.get("/v1/patients", params=params)
    assert response.status_code == 200, response.text
    return {p["id"] for p in response.json()["items"]}


async def test_a_new_patient_is_in_the_callers_only_organization(callers: Callers) -> None:
    made = await f.patient(callers.a)
    assert made["organization"] == "A"
    shown = (await callers.a.get(f"/v1/patients/{made['id']}")).json()
    assert shown["organization"] == "A"


@pytest.mark.parametrize(
    ("who", "organization", "status"),
    [
        ("a", None, 201),
        ("a", "A", 201),
        ("a", "B", 422),  # not one of the caller's
        ("admin_ab", None, 422),  # several: the caller must say which
        ("admin_ab", "B", 201),
        ("group", None, 422),
        ("group", "C", 201),  # a group-wide engine registers into any organization
        ("group", "no spaces", 422),
        ("group", "x" * 65, 422),
    ],
)
async def test_the_organization_of_a_new_patient(
    callers: Callers, who: str, organization: str | None, status: int
) -> None:
    body = f.patient_body(**({} if organization is None else {"organization": organization}))
    response = await getattr(callers, who).post("/v1/patients", json=body)
    assert response.status_code == status, response.text
    if status == 201:
        assert response.json()["organization"] == (organization or "A")


async def test_an_mrn_is_unique_per_organization(callers: Callers) -> None:
    mrn = unique_mrn()
    in_a = await f.patient(callers.a, mrn=mrn)
    in_b = await f.patient(callers.b, mrn=mrn)
    again = await callers.a.post("/v1/patients", json=f.patient_body(mrn=mrn))
    assert again.status_code == 409
    assert again.json()["existing_id"] == in_a["id"]
    assert await _ids(callers.a, mrn=mrn) == {in_a["id"]}
    assert await _ids(callers.b, mrn=mrn) == {in_b["id"]}
    assert await _ids(callers.group, mrn=mrn) == {in_a["id"], in_b["id"]}


async def test_an_admin_moves_a_patient_between_its_organizations(callers: Callers) -> None:
    patient_id = (await f.patient(callers.a))["id"]
    regimen_id = (await f.regimen(callers.a, patient_id))["id"]
    move = {"organization": "B"}
    refused = await callers.a.patch(f"/v1/patients/{patient_id}", json=move)
    assert refused.status_code == 403  # not an admin
    outside = await callers.admin_a.patch(f"/v1/patients/{patient_id}", json=move)
    assert outside.status_code == 422  # an admin of A only: B is not its own
    moved = await callers.admin_ab.patch(f"/v1/patients/{patient_id}", json=move)
    assert moved.status_code == 200, moved.text
    assert moved.json()["organization"] == "B"
    for path in (f"/v1/patients/{patient_id}", f"/v1/regimens/{regimen_id}"):
        assert (await callers.a.get(path)).status_code == 404
        assert (await callers.b.get(path)).status_code == 200
    history = (await callers.b.get(f"/v1/patients/{patient_id}/history")).json()["items"]
    assert [v["data"]["organization"] for v in history] == ["A", "B"]


async def test_a_move_into_an_organization_that_has_the_mrn_is_a_conflict(
    callers: Callers,
) -> None:
    mrn = unique_mrn()
    in_a = await f.patient(callers.a, mrn=mrn)
    in_b = await f.patient(callers.b, mrn=mrn)
    response = await callers.admin_ab.patch(
        f"/v1/patients/{in_a['id']}", json={"organization": "B"}
    )
    assert response.status_code == 409
    assert response.json()["existing_id"] == in_b["id"]


async def test_cohort_lists_hold_only_the_callers_patients(
    callers: Callers, seeded: Seeded
) -> None:
    a, b = seeded.a["patients"], seeded.b["patients"]
    status = (await callers.a.get(f"/v1/patients/{a}/status")).json()["remission"]["status"]
    cohort = {"flag": "remission", "flag_status": status}
    assert await _ids(callers.a, **cohort) == {a}
    assert await _ids(callers.b, **cohort) == {b}
    assert await _ids(callers.group, **cohort) == {a, b}
    assert await _ids(callers.a) == {a}


async def test_with_tenancy_off_every_patient_is_in_the_default_organization(
    app: FastAPI, settings: Settings
) -> None:
    """As before tenancy: an organizations claim changes nothing; every caller sees all."""
    async with (
        client_with(app, token(settings, orgs=["A"])) as in_a,
        client_with(app, token(settings)) as plain,
    ):
        made = await f.patient(in_a)
        assert made["organization"] == "default"
        assert (await plain.get(f"/v1/patients/{made['id']}")).status_code == 200
        other: dict[str, Any] = f.patient_body(organization="A")
        assert (await plain.post("/v1/patients", json=other)).status_code == 422


async def test_an_empty_organizations_claim_is_refused_like_a_missing_one(
    tenant_app: FastAPI, tenant_settings: Settings
) -> None:
    async with client_with(tenant_app, token(tenant_settings, orgs=[])) as nobody:
        response = await nobody.get("/v1/patients")
    assert response.status_code == 403
    assert "orgs" in response.json()["detail"]


async def test_an_idempotency_key_does_not_replay_a_patient_the_caller_no_longer_sees(
    callers: Callers,
) -> None:
    patient_id = (await f.patient(callers.a))["id"]
    path, key = f"/v1/patients/{patient_id}/lab-results", {"Idempotency-Key": "lab-7"}
    body = f.lab_body()
    assert (await callers.a.post(path, json=body, headers=key)).status_code == 201
    moved = await callers.admin_ab.patch(f"/v1/patients/{patient_id}", json={"organization": "B"})
    assert moved.status_code == 200
    replay = await callers.a.post(path, json=body, headers=key)
    assert replay.status_code == 404
    assert "value" not in replay.json()
