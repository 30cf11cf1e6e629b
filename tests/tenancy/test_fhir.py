"""The FHIR face under tenancy: the same organizations as /v1. Another organization's patient
is not found (read, search, create, transaction), a patient carries its managingOrganization,
and an MRN that names patients of two organizations is a conflict, never a guess."""

import httpx
import pytest

from app.fhir.config import DEFAULT_MRN_SYSTEM
from tests.fhir.inbound_builders import lab_observation_in, transaction, transaction_entry
from tests.fhir.validation import assert_valid
from tests.support import factories as f

from .conftest import Callers

pytestmark = pytest.mark.anyio
HEADERS = {"Content-Type": "application/fhir+json"}


async def _status(client: httpx.AsyncClient, method: str, path: str, **kwargs: object) -> int:
    response = await client.request(method, path, headers=HEADERS, **kwargs)  # type: ignore[arg-type]
    if response.content:
        assert_valid(response.json())
    return response.status_code


async def test_another_organizations_patient_is_not_found(callers: Callers) -> None:
    mrn = "SHARED-1"
    pid = (await f.patient(callers.a, mrn=mrn))["id"]
    await f.patient(callers.b, mrn=mrn)
    seen = (await callers.group.get(f"/fhir/Patient/{pid}")).json()
    assert seen["managingOrganization"]["identifier"]["value"] == "A"
    assert await _status(callers.b, "GET", f"/fhir/Patient/{pid}") == 404
    assert await _status(callers.b, "GET", f"/fhir/Patient/{pid}/$everything") == 404
    found = (await callers.b.get(f"/fhir/Patient?_id={pid}")).json()
    assert "entry" not in found
    lab = lab_observation_in(subject={"reference": f"Patient/{pid}"}, identifier=None)
    assert await _status(callers.b, "POST", "/fhir/Observation", json=lab) == 404
    by_mrn = {"reference": f"Patient?identifier={DEFAULT_MRN_SYSTEM}|{mrn}"}
    entry = transaction_entry(
        lab_observation_in(subject=by_mrn, identifier=None),
        "urn:uuid:3f8a1c2e-0000-4000-8000-000000000001",
        "Observation",
    )
    bundle = transaction(entry)
    assert await _status(callers.group, "POST", "/fhir", json=bundle) == 409  # two matches
    made = (await callers.a.post("/fhir", json=bundle, headers=HEADERS)).json()
    assert made["entry"][0]["resource"]["subject"] == {"reference": f"Patient/{pid}"}
    labs = (await callers.a.get(f"/v1/patients/{pid}/lab-results")).json()["items"]
    assert len(labs) == 1


async def test_the_statement_names_the_group_export(callers: Callers) -> None:
    statement = (await callers.a.get("/fhir/metadata")).json()
    assert_valid(statement)
    group = next(r for r in statement["rest"][0]["resource"] if r["type"] == "Group")
    assert [o["name"] for o in group["operation"]] == ["export"]
