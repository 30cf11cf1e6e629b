import httpx
import pytest

from tests.support import factories as f

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    ("body", "canonical"),
    [
        ({"test": "crp", "value": 0.3, "unit": "mg/dL"}, (3.0, "mg/L")),
        ({"test": "crp", "value": 4, "unit": "mg/L"}, (4.0, "mg/L")),
        ({"test": "crp", "value": 0.3, "unit": "mg/dl"}, (3.0, "mg/L")),
        ({"test": "c3", "value": 0.9, "unit": "g/L"}, (90.0, "mg/dL")),
        ({"loinc": "777-3", "value": 250, "unit": "10*3/uL"}, (250.0, "10*9/L")),
        ({"test": "anti_dsdna", "value": 12, "unit": "IU/mL"}, (12.0, "[iU]/mL")),
        ({"test": "esr", "value": 30, "unit": "mm/h"}, (30.0, "mm/h")),
        ({"loinc": "5130-0", "value_text": "negative"}, (None, None)),
    ],
)
async def test_lab_units_are_converted_to_canonical(
    client: httpx.AsyncClient, body: dict[str, object], canonical: tuple[object, object]
) -> None:
    patient = await f.patient(client)
    sent = {**body, "collected_at": "2016-05-10T08:00:00+02:00"}
    response = await client.post(f"/v1/patients/{patient['id']}/lab-results", json=sent)
    assert response.status_code == 201, response.text
    made = response.json()
    assert (made["canonical_value"], made["canonical_unit"]) == canonical
    assert made["collected_at"] == "2016-05-10T06:00:00Z"
    assert made.get("unit") == body.get("unit")  # echoed as sent
    assert made["test"] in {"crp", "c3", "platelets", "anti_dsdna", "esr"}


async def test_unknown_unit_is_refused_with_the_accepted_list(client: httpx.AsyncClient) -> None:
    patient = await f.patient(client)
    response = await client.post(
        f"/v1/patients/{patient['id']}/lab-results", json=f.lab_body(unit="mmol/L")
    )
    assert response.status_code == 422
    problem = response.json()
    assert problem["accepted_units"] == ["mg/L", "mg/dL"]
    assert problem["errors"][0]["loc"] == ["body", "unit"]
    assert "mg/dL" in problem["detail"]


@pytest.mark.parametrize(
    ("change", "loc"),
    [
        (
            {
                "test": "crp",
                "value": None,
                "unit": None,
                "value_text": "negative",
                "reference_range": None,
            },
            ["body", "value_text"],
        ),
        ({"test": "glucose"}, ["body", "test"]),
        ({"test": None, "loinc": "0000-0"}, ["body", "loinc"]),
        ({"loinc": "4537-7"}, ["body", "loinc"]),
        ({"test": None}, ["body"]),
        ({"unit": None}, ["body"]),
        ({"value_text": "negative"}, ["body"]),
        ({"value": -1}, ["body", "value"]),
        ({"reference_range": {"low": 2, "high": 1}}, ["body", "reference_range"]),
        ({"collected_at": "2016-05-10T08:00:00"}, ["body", "collected_at"]),
        ({"collected_at": "2999-05-10T08:00:00Z"}, ["body", "collected_at"]),
    ],
)
async def test_lab_validation(
    client: httpx.AsyncClient, change: dict[str, object], loc: list[object]
) -> None:
    patient = await f.patient(client)
    body = {k: v for k, v in f.lab_body(**change).items() if v is not None}
    response = await client.post(f"/v1/patients/{patient['id']}/lab-results", json=body)
    assert response.status_code == 422, response.text
    assert any(e["loc"][: len(loc)] == loc for e in response.json()["errors"]), response.text


async def test_lab_listing_filters_by_test_and_time(client: httpx.AsyncClient) -> None:
    patient = await f.patient(client)
    path = f"/v1/patients/{patient['id']}/lab-results"
    for day, test in [("01", "crp"), ("02", "esr"), ("03", "crp")]:
        body = f.lab_body(collected_at=f"2016-05-{day}T08:00:00Z")
        if test == "esr":
            body = {**body, "test": "esr", "value": 20, "unit": "mm/h", "reference_range": None}
        await f.created(client, path, body)
    crp = (await client.get(path, params={"test": "crp"})).json()["items"]
    assert [r["collected_at"][:10] for r in crp] == ["2016-05-01", "2016-05-03"]
    window = await client.get(
        path, params={"from": "2016-05-02T00:00:00Z", "to": "2016-05-03T00:00:00Z"}
    )
    assert [r["test"] for r in window.json()["items"]] == ["esr"]
    naive = await client.get(path, params={"from": "2016-05-02T00:00:00"})
    assert naive.status_code == 422


async def test_lab_results_cannot_be_patched_but_can_be_entered_in_error(
    client: httpx.AsyncClient,
) -> None:
    patient = await f.patient(client)
    made = await f.created(client, f"/v1/patients/{patient['id']}/lab-results", f.lab_body())
    assert (await client.patch(f"/v1/lab-results/{made['id']}", json={})).status_code == 405
    gone = await client.delete(f"/v1/lab-results/{made['id']}")
    assert gone.json()["entered_in_error"] is True
    assert (await client.get(f"/v1/lab-results/{made['id']}")).status_code == 200
    listed = await client.get(f"/v1/patients/{patient['id']}/lab-results")
    assert listed.json()["items"] == []


async def test_labs_write_scope_may_post_lab_results_only(
    client: httpx.AsyncClient, lab_client: httpx.AsyncClient
) -> None:
    patient = await f.patient(client)
    posted = await lab_client.post(f"/v1/patients/{patient['id']}/lab-results", json=f.lab_body())
    assert posted.status_code == 201
    assert (await lab_client.get(f"/v1/patients/{patient['id']}/lab-results")).status_code == 403
    denied = await lab_client.post("/v1/patients", json=f.patient_body())
    assert denied.status_code == 403
    assert denied.headers["content-type"] == "application/problem+json"
