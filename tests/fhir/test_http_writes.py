"""The served /fhir face, writing: creates round-trip to the /v1 records, conditional create
on the database-unique external_id (a race of identical creates makes one record),
transactions all or nothing, OperationOutcome for every refusal, scopes, least exposure,
Idempotency-Key, audit."""

import asyncio
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.config import Settings
from app.fhir.config import DEFAULT_MRN_SYSTEM
from app.main import create_app
from tests.support import factories as f
from tests.support.clients import client_with, token
from tests.support.routes import ZERO

from .inbound_builders import (
    administration_in,
    lab_observation_in,
    patient_in,
    transaction,
    transaction_entry,
)
from .seeded import FHIR
from .validation import assert_valid

pytestmark = pytest.mark.anyio
HEADERS = {"Content-Type": FHIR}
IDP = "https://idp.example/token"


async def post(
    client: httpx.AsyncClient, path: str, body: Any, status: int, **headers: str
) -> httpx.Response:
    response = await client.post(path, json=body, headers={**HEADERS, **headers})
    assert response.status_code == status, response.text
    if response.content:
        assert response.headers["content-type"] == FHIR
        assert_valid(response.json())
    return response


def lab(pid: str, **over: Any) -> dict[str, Any]:
    return lab_observation_in(subject={"reference": f"Patient/{pid}"}, **over)


async def test_a_posted_lab_reads_back_as_the_same_record_on_both_faces(
    client: httpx.AsyncClient,
) -> None:
    pid = (await f.patient(client))["id"]
    created = await post(client, "/fhir/Observation", lab(pid), 201)
    resource = created.json()
    assert created.headers["location"].endswith(f"/fhir/Observation/{resource['id']}/_history/1")
    assert created.headers["etag"] == 'W/"1"'
    stored = (await client.get(f"/v1/lab-results/{resource['id']}")).json()
    assert {k: stored[k] for k in ("loinc", "value", "unit", "reference_range", "external_id")} == {
        "loinc": "1988-5",
        "value": 0.3,
        "unit": "mg/dL",
        "reference_range": {"low": None, "high": 0.5},
        "external_id": "LAB-778812",
    }
    assert stored["collected_at"] == "2016-05-10T08:00:00Z"
    read = (await client.get(f"/fhir/Observation/{resource['id']}")).json()
    assert read == resource
    assert read["valueQuantity"]["value"] == 0.3
    assert read["effectiveDateTime"] == "2016-05-10T08:00:00Z"


async def test_a_posted_administration_reads_back_as_the_infusion(
    client: httpx.AsyncClient,
) -> None:
    pid = (await f.patient(client))["id"]
    regimen = (await f.regimen(client, pid))["id"]
    body = administration_in(
        subject={"reference": f"Patient/{pid}"},
        request={"reference": f"MedicationRequest/{regimen}"},
    )
    resource = (await post(client, "/fhir/MedicationAdministration", body, 201)).json()
    infusion = (await client.get(f"/v1/infusions/{resource['id']}")).json()
    assert infusion["dose_mg"] == 496
    assert infusion["weight_kg"] == 62
    assert infusion["administered_at"] == "2016-02-07T08:30:00Z"
    assert infusion["regimen_id"] == regimen
    assert infusion["external_id"] == "ADM-2016-0207-01"
    assert (await client.get(f"/fhir/MedicationAdministration/{resource['id']}")).json() == resource
    other_drug = {**body, "medicationCodeableConcept": {"coding": [
        {"system": "http://www.whocc.no/atc", "code": "L04AB04"}]}}  # fmt: skip
    refused = await post(client, "/fhir/MedicationAdministration", other_drug, 422)
    expression = refused.json()["issue"][0]["expression"]
    assert expression == ["MedicationAdministration.medicationCodeableConcept"]


async def test_conditional_create_resends_and_conflicts(client: httpx.AsyncClient) -> None:
    pid = (await f.patient(client))["id"]
    body = lab(pid, identifier=None)
    condition = {"If-None-Exist": "identifier=http://acme-lab.example/accession|A-1"}
    first = (await post(client, "/fhir/Observation", body, 201, **condition)).json()
    again = (await post(client, "/fhir/Observation", body, 200, **condition)).json()
    assert again == first
    changed = {**body, "valueQuantity": {**body["valueQuantity"], "value": 0.4}}
    conflict = await post(client, "/fhir/Observation", changed, 409, **condition)
    assert conflict.json()["issue"][0]["code"] == "conflict"


async def test_a_race_of_identical_conditional_creates_makes_one_record(
    client: httpx.AsyncClient,
) -> None:
    pid = (await f.patient(client))["id"]
    body = lab(pid, identifier=[{"system": "http://acme-lab.example/accession", "value": "R-1"}])
    answers = await asyncio.gather(
        *(client.post("/fhir/Observation", json=body, headers=HEADERS) for _ in range(8))
    )
    assert sorted(a.status_code for a in answers) == [200] * 7 + [201]
    assert len({a.json()["id"] for a in answers}) == 1
    listed = (await client.get(f"/v1/patients/{pid}/lab-results")).json()["items"]
    assert len(listed) == 1
    regimen = (await f.regimen(client, pid))["id"]
    given = administration_in(
        subject={"reference": f"Patient/{pid}"},
        request={"reference": f"MedicationRequest/{regimen}"},
        identifier=None,
    )
    condition = {**HEADERS, "If-None-Exist": "identifier=http://dh.example/adm|R-2"}
    answers = await asyncio.gather(
        *(client.post("/fhir/MedicationAdministration", json=given, headers=condition)
          for _ in range(4))
    )  # fmt: skip
    assert sorted(a.status_code for a in answers) == [200] * 3 + [201]
    infusions = (await client.get(f"/v1/patients/{pid}/infusions")).json()["items"]
    assert [i["external_id"] for i in infusions] == ["R-2"]


async def test_unmapped_codes_and_bad_requests_are_outcomes(client: httpx.AsyncClient) -> None:
    pid = (await f.patient(client))["id"]
    unknown = lab(pid, code={"coding": [{"system": "http://loinc.org", "code": "9999-9"}]})
    refused = (await post(client, "/fhir/Observation", unknown, 422)).json()
    assert refused["issue"][0]["expression"] == ["Observation.code.coding[0].code"]
    iu = {"value": 3, "unit": "IU/L", "system": "http://unitsofmeasure.org", "code": "IU/L"}
    bad_unit = (await post(client, "/fhir/Observation", lab(pid, valueQuantity=iu), 422)).json()
    assert bad_unit["issue"][0]["expression"] == ["Observation.valueQuantity.code"]
    future = lab(pid, effectiveDateTime="2999-01-01T00:00:00Z")
    late = (await post(client, "/fhir/Observation", future, 422)).json()
    assert late["issue"][0]["expression"] == ["Observation.effectiveDateTime"]
    nobody = lab(ZERO)
    await post(client, "/fhir/Observation", nobody, 404)
    await post(client, "/fhir/Observation", {"resourceType": "Patient"}, 400)
    text = await client.post(
        "/fhir/Observation", content=b"x", headers={"Content-Type": "text/plain"}
    )
    assert text.status_code == 415
    assert_valid(text.json())
    assert (await client.get(f"/v1/patients/{pid}/lab-results")).json()["items"] == []


async def test_scopes_tokens_and_least_exposure(app: FastAPI, settings: Settings) -> None:
    async with client_with(app, token(settings)) as clinician:
        pid = (await f.patient(clinician))["id"]
    async with client_with(app, token(settings, "labs:write", sub="lab")) as lab_system:
        created = await lab_system.post("/fhir/Observation", json=lab(pid), headers=HEADERS)
        assert created.status_code == 201
        assert created.content == b""  # least exposure: the Location names what was made
        assert "/fhir/Observation/" in created.headers["location"]
        forbidden = await lab_system.get(f"/fhir/Patient/{pid}")
        assert forbidden.status_code == 403
        assert forbidden.json()["issue"][0]["code"] == "forbidden"
        refused = await lab_system.post("/fhir", json={"resourceType": "Bundle"}, headers=HEADERS)
        assert refused.status_code == 403
    async with client_with(app, None) as anonymous:
        unauthorized = await anonymous.get(f"/fhir/Patient/{pid}")
        assert unauthorized.status_code == 401
        assert unauthorized.headers["www-authenticate"].startswith("Bearer")
        assert_valid(unauthorized.json())
        assert (await anonymous.get("/fhir/metadata")).status_code == 200


async def test_an_idempotency_key_answers_its_first_answer_and_reads_are_audited(
    client: httpx.AsyncClient,
) -> None:
    pid = (await f.patient(client))["id"]
    key = {"Idempotency-Key": "fhir-retry-1"}
    first = await post(client, "/fhir/Observation", lab(pid, identifier=None), 201, **key)
    again = await post(client, "/fhir/Observation", lab(pid, identifier=None), 201, **key)
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    await client.get(f"/fhir/Observation/{first.json()['id']}")
    await client.get(f"/fhir/Flag?patient={pid}")
    events = (await client.get("/v1/audit-events", params={"patient_id": pid})).json()["items"]
    paths = {(e["method"], e["path"], e["status"]) for e in events}
    assert ("POST", "/fhir/Observation", 201) in paths
    assert ("GET", f"/fhir/Observation/{first.json()['id']}", 200) in paths
    assert ("GET", "/fhir/Flag", 200) in paths


async def test_a_transaction_is_all_or_nothing(client: httpx.AsyncClient) -> None:
    mrn = "TX-0001"
    new_patient = transaction_entry(
        patient_in(DEFAULT_MRN_SYSTEM, identifier=[{"system": DEFAULT_MRN_SYSTEM, "value": mrn}]),
        "urn:uuid:5b0c8b5e-0000-4000-8000-000000000001",
        url="Patient",
        ifNoneExist=f"identifier={DEFAULT_MRN_SYSTEM}|{mrn}",
    )
    subject = {"reference": new_patient["fullUrl"]}
    good = transaction_entry(
        lab_observation_in(subject=subject, identifier=None), "urn:uuid:a", url="Observation"
    )
    unknown = lab_observation_in(
        subject=subject, identifier=None,
        code={"coding": [{"system": "http://loinc.org", "code": "9999-9"}]},
    )  # fmt: skip
    refused = await post(
        client,
        "/fhir",
        transaction(new_patient, good, transaction_entry(unknown, "urn:uuid:b", url="Observation")),
        422,
    )
    assert refused.json()["issue"][0]["expression"] == [
        "Bundle.entry[2].resource.code.coding[0].code"
    ]
    future = lab_observation_in(
        subject=subject, identifier=None, effectiveDateTime="2999-01-01T00:00:00Z"
    )
    late = await post(
        client,
        "/fhir",
        transaction(good, transaction_entry(future, "urn:uuid:c", url="Observation"), new_patient),
        422,
    )
    assert late.json()["issue"][0]["expression"] == ["Bundle.entry[1].resource.effectiveDateTime"]
    nothing = (await client.get("/v1/patients", params={"mrn": mrn})).json()["items"]
    assert nothing == []  # the patient created before the refusal was rolled back

    made = (await post(client, "/fhir", transaction(good, new_patient), 200)).json()
    assert [e["response"]["status"] for e in made["entry"]] == ["201 Created", "201 Created"]
    assert made["entry"][1]["resource"]["resourceType"] == "Patient"
    pid = made["entry"][1]["resource"]["id"]
    stored = (await client.get(f"/v1/patients/{pid}")).json()
    assert (stored["mrn"], stored["sex"], stored["birth_date"]) == (mrn, "female", "1957-03-01")
    assert (stored["given_name"], stored["family_name"]) == ("Ada Maria", "Rossi")
    assert made["entry"][0]["resource"]["subject"] == {"reference": f"Patient/{pid}"}
    by_mrn = {"reference": f"Patient?identifier={DEFAULT_MRN_SYSTEM}|{mrn}"}
    regimen = (await f.regimen(client, pid))["id"]
    later = transaction_entry(
        administration_in(subject=by_mrn, request={"reference": f"MedicationRequest/{regimen}"}),
        "urn:uuid:d",
        url="MedicationAdministration",
    )
    again = (await post(client, "/fhir", transaction(new_patient, later), 200)).json()
    assert [e["response"]["status"] for e in again["entry"]] == ["200 OK", "201 Created"]
    assert again["entry"][0]["resource"]["id"] == pid
    assert len((await client.get(f"/v1/patients/{pid}/infusions")).json()["items"]) == 1


async def test_smart_system_scopes_are_aliases_of_ours(app: FastAPI, settings: Settings) -> None:
    async with client_with(app, token(settings)) as clinician:
        pid = (await f.patient(clinician))["id"]
        assert (await clinician.get("/.well-known/smart-configuration")).status_code == 404
    async with client_with(app, token(settings, "system/Observation.c", sub="lab")) as lab_system:
        await post(lab_system, "/fhir/Observation", lab(pid), 201)
        assert (await lab_system.get(f"/fhir/Patient/{pid}")).status_code == 403
    async with client_with(app, token(settings, "system/*.rs", sub="reader")) as reader:
        assert (await reader.get(f"/fhir/Patient/{pid}")).status_code == 200
    with_idp = create_app(settings.model_copy(update={"smart_token_endpoint": IDP}))
    async with client_with(with_idp, None) as anonymous:
        smart = (await anonymous.get("/.well-known/smart-configuration")).json()
        statement = (await anonymous.get("/fhir/metadata")).json()
    await with_idp.state.engine.dispose()
    assert smart["token_endpoint"] == IDP
    security = statement["rest"][0]["security"]["service"][0]["coding"][0]
    assert security["code"] == "SMART-on-FHIR"


async def test_an_empty_transaction_and_a_bad_bundle(client: httpx.AsyncClient) -> None:
    empty = (await post(client, "/fhir", transaction(), 200)).json()
    assert empty == {"resourceType": "Bundle", "type": "transaction-response"}
    batch = {**transaction(), "type": "batch"}
    assert (await post(client, "/fhir", batch, 400)).json()["issue"][0]["expression"] == [
        "Bundle.type"
    ]
    await post(client, "/fhir", [1, 2], 400)
    broken = await client.post("/fhir", content=b"{", headers=HEADERS)
    assert broken.status_code == 400
    assert_valid(broken.json())
