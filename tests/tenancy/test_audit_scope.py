"""Audit events under tenancy: each carries its patient's organization; an auditor sees its
organizations' events; events naming no patient are for group-wide auditors only."""

from typing import Any

import httpx
import jwt
import pytest

from tests.tenancy.conftest import Callers, Seeded

pytestmark = pytest.mark.anyio


async def _events(client: httpx.AsyncClient, **params: str) -> list[dict[str, Any]]:
    response = await client.get("/v1/audit-events", params={"limit": "500", **params})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_an_auditor_sees_only_its_organizations_events(
    callers: Callers, seeded: Seeded
) -> None:
    a, b = seeded.a["patients"], seeded.b["patients"]
    await callers.a.get(f"/v1/patients/{a}")
    forged = jwt.encode({"sub": "intruder", "exp": 2**31}, "not-the-secret-" + "z" * 32)
    await callers.a.get("/v1/patients", headers={"Authorization": f"Bearer {forged}"})

    in_a = await _events(callers.a)
    assert in_a
    assert {e["organization"] for e in in_a} == {"A"}
    assert b not in {e["patient_id"] for e in in_a}
    assert {e["organization"] for e in await _events(callers.b)} == {"B"}

    everything = await _events(callers.group)
    assert {e["organization"] for e in everything} == {"A", "B", None}
    intruder = [e for e in everything if e["actor"] == "intruder"]
    assert [(e["status"], e["organization"]) for e in intruder] == [(401, None)]
    # A filter on another organization's patient finds nothing (not an error).
    assert await _events(callers.a, patient_id=b) == []


async def test_a_probe_of_another_organizations_patient_is_audited_for_its_owner(
    callers: Callers, seeded: Seeded
) -> None:
    a = seeded.a["patients"]
    probe = await callers.b.get(f"/v1/patients/{a}/lab-results")
    assert probe.status_code == 404
    seen_by_a = await _events(callers.a, actor="clinician-b")
    assert [(e["status"], e["patient_id"]) for e in seen_by_a] == [(404, a)]
    assert await _events(callers.b, actor="clinician-b", patient_id=a) == []


async def test_a_list_spanning_organizations_is_for_the_group_only(
    callers: Callers, seeded: Seeded
) -> None:
    await callers.group.get("/v1/patients", params={"limit": "10"})
    listing = [e for e in await _events(callers.group, actor="engine") if e["query"]]
    assert len(listing) == 1
    assert set(listing[0]["patient_ids"]) == {seeded.a["patients"], seeded.b["patients"]}
    assert listing[0]["organization"] is None
    assert await _events(callers.a, actor="engine") == []
