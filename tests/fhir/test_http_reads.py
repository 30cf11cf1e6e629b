"""The served /fhir face, reading: every resource and Bundle it emits for a realistic
patient validates (R4B models + R4 rules), entered-in-error records show that status on read
and are left out of searches and $everything, vread serves stored versions, and searches
page and filter."""

from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.support import factories as f
from tests.support.routes import ZERO

from .seeded import FHIR, Seeded, realistic_patient
from .validation import assert_valid

pytestmark = pytest.mark.anyio


async def fhir_get(client: httpx.AsyncClient, path: str, status: int = 200) -> dict[str, Any]:
    response = await client.get(path)
    assert response.status_code == status, (path, response.text)
    assert response.headers["content-type"] == FHIR
    assert response.headers["cache-control"] == "no-store"
    body: dict[str, Any] = response.json()
    assert_valid(body)
    return body


async def all_pages(client: httpx.AsyncClient, path: str) -> list[dict[str, Any]]:
    """Every resource of a search, following `next` links (each page validated)."""
    found: list[dict[str, Any]] = []
    url: str | None = path
    while url is not None:
        page = await fhir_get(client, url)
        found += [entry["resource"] for entry in page.get("entry", [])]
        links = {link["relation"]: link["url"] for link in page["link"]}
        url = (
            urlsplit(links["next"])._replace(scheme="", netloc="").geturl()
            if "next" in links
            else None
        )
    return found


def ids(resources: list[dict[str, Any]]) -> set[str]:
    return {r["id"] for r in resources}


async def test_a_realistic_patient_reads_validates_and_hides_records_in_error(
    client: httpx.AsyncClient,
) -> None:
    s = await realistic_patient(client)
    pid = s.id
    await fhir_get(client, "/fhir/metadata")
    everything = await all_pages(client, f"/fhir/Patient/{pid}/$everything?_count=7")
    kinds = [r["resourceType"] for r in everything]
    assert kinds.count("MedicationRequest") == 5
    assert kinds.count("Flag") == 3
    assert kinds.count("DetectedIssue") == 3
    assert kinds.count("MedicationAdministration") == 3
    wrong = {str(x["wrong"]["id"]) for x in (s.regimens, s.infusions, s.labs, s.assessments)}
    assert not wrong & ids(everything)  # left out, as from every search
    for resource in everything:  # each read on its own equals its entry
        if resource["resourceType"] != "Condition":
            read = await fhir_get(client, f"/fhir/{resource['resourceType']}/{resource['id']}")
            assert read == resource
    searched = await _searches(client, s)
    assert ids(searched) <= ids(everything)
    assert not wrong & ids(searched)
    for kind, records in _kinds(s):
        path = f"/fhir/{kind}/{records['wrong']['id']}"
        assert (await fhir_get(client, path))["status"] == "entered-in-error"
        first = await fhir_get(client, f"{path}/_history/1")
        assert first["status"] != "entered-in-error"
        assert first["meta"]["versionId"] == "1"
        await fhir_get(client, f"{path}/_history/3", status=404)


def _kinds(s: Seeded) -> list[tuple[str, dict[str, Any]]]:
    return [
        ("MedicationRequest", s.regimens),
        ("MedicationAdministration", s.infusions),
        ("Observation", s.labs),
        ("Observation", s.assessments),
    ]


async def _searches(client: httpx.AsyncClient, s: Seeded) -> list[dict[str, Any]]:
    pid = s.id
    found = await all_pages(client, f"/fhir/Observation?patient={pid}&_count=2")
    labs = [r for r in found if r["category"][0]["coding"][0]["code"] == "laboratory"]
    assert ids(labs) == {str(lab["id"]) for name, lab in s.labs.items() if name != "wrong"}
    for path in (
        f"/fhir/Patient?identifier={s.patient['mrn']}",
        f"/fhir/Patient?_id={pid}",
        f"/fhir/MedicationRequest?patient=Patient/{pid}",
        f"/fhir/MedicationAdministration?patient={pid}",
        f"/fhir/Flag?patient={pid}",
    ):
        found += await all_pages(client, path)
    return found


async def test_every_flag_state_is_a_valid_flag_with_its_evidence(
    client: httpx.AsyncClient,
) -> None:
    treated = await realistic_patient(client)
    new = await f.patient(client)
    await f.regimen(client, new["id"], drug="methotrexate", route="oral",
                    dose={"value": 15, "unit": "mg"}, interval_days=7)  # fmt: skip
    states = set()
    for pid in (treated.id, new["id"]):
        for flag in await all_pages(client, f"/fhir/Flag?patient={pid}"):
            states.add(flag["extension"][0]["extension"][0]["valueCode"])
            assert flag["status"] == ("active" if _met(flag) else "inactive")
            evidence = flag["extension"][1]["valueReference"]["reference"]
            issue = await fhir_get(client, f"/fhir/{evidence}")
            assert issue["patient"] == {"reference": f"Patient/{pid}"}
    assert states == {"met", "not_met", "insufficient_data"}


def _met(flag: dict[str, Any]) -> bool:
    return bool(flag["extension"][0]["extension"][0]["valueCode"] == "met")


async def test_observation_search_filters_by_code_date_and_category(
    client: httpx.AsyncClient,
) -> None:
    s = await realistic_patient(client)
    base = f"/fhir/Observation?patient={s.id}"
    dsdna = await all_pages(client, f"{base}&code=http://loinc.org|5130-0&date=ge2016-01-01")
    assert ids(dsdna) == {str(s.labs[n]["id"]) for n in ("dsdna-neg", "dsdna-num")}
    older = await all_pages(client, f"{base}&code=5130-0&date=lt2016-01-01&date=ge2015-11-02")
    assert ids(older) == {str(s.labs[n]["id"]) for n in ("dsdna-pos", "dsdna-border")}
    weights = await all_pages(client, f"{base}&category=vital-signs&code=http://loinc.org|29463-7")
    assert {w["valueQuantity"]["value"] for w in weights} == {61, 62}
    assert await all_pages(client, f"{base}&category=laboratory&code=88981-6") == []
    assert await all_pages(client, f"/fhir/Observation?patient={ZERO}") == []


async def test_unknown_parameters_are_ignored_or_refused_when_strict(
    client: httpx.AsyncClient,
) -> None:
    pid = (await f.patient(client))["id"]
    page = await fhir_get(client, f"/fhir/Flag?patient={pid}&color=blue")
    assert page["link"][0]["url"].endswith(f"/fhir/Flag?patient={pid}")
    response = await client.get(
        f"/fhir/Flag?patient={pid}&color=blue", headers={"Prefer": "handling=strict"}
    )
    assert response.status_code == 400
    assert response.json()["issue"][0]["expression"] == ["color"]
    for bad in ("_count=0", "_format=xml", "patient=nope"):
        refused = await client.get(f"/fhir/Flag?{bad}")
        assert refused.status_code == 400, bad
        assert_valid(refused.json())


async def test_a_patient_entered_in_error_is_gone(client: httpx.AsyncClient) -> None:
    pid = (await f.patient(client))["id"]
    assert (await client.delete(f"/v1/patients/{pid}")).status_code == 200
    for path in (f"/fhir/Patient/{pid}", f"/fhir/Patient/{pid}/$everything"):
        gone = await fhir_get(client, path, status=410)
        assert gone["issue"][0]["code"] == "deleted"
    assert await all_pages(client, f"/fhir/Patient?_id={pid}") == []


async def test_the_served_statement_names_the_bulk_exports_it_serves(
    anon: httpx.AsyncClient,
) -> None:
    statement = (await anon.get("/fhir/metadata")).json()
    assert_valid(statement)
    rest = statement["rest"][0]
    assert statement["instantiates"] == [
        "http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data"
    ]
    assert [o["name"] for o in rest["operation"]] == ["export"]
    patient = next(r for r in rest["resource"] if r["type"] == "Patient")
    assert [o["name"] for o in patient["operation"]] == ["everything", "export"]
    assert "Group" not in {r["type"] for r in rest["resource"]}  # tenancy off: no groups
