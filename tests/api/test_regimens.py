import httpx
import pytest

from tests.support import factories as f

pytestmark = pytest.mark.anyio


async def test_create_list_patch_and_enter_regimen_in_error(client: httpx.AsyncClient) -> None:
    patient = await f.patient(client)
    made = await f.regimen(client, patient["id"])
    assert made["patient_id"] == patient["id"]
    assert made["dose"] == {"value": 8.0, "unit": "mg/kg"}
    assert made["end_date"] is None
    older = await f.regimen(
        client,
        patient["id"],
        drug="methotrexate",
        route="oral",
        dose={"value": 15, "unit": "mg"},
        interval_days=7,
        start_date="2010-01-01",
        end_date="2012-06-30",
        discontinuation_reason="inefficacy",
    )
    listed = (await client.get(f"/v1/patients/{patient['id']}/regimens")).json()["items"]
    assert [r["id"] for r in listed] == [older["id"], made["id"]]  # by start date

    ended = await client.patch(
        f"/v1/regimens/{made['id']}",
        json={"end_date": "2018-01-10", "discontinuation_reason": "remission"},
    )
    assert ended.status_code == 200, ended.text
    assert (ended.json()["version"], ended.json()["end_date"]) == (2, "2018-01-10")

    gone = await client.delete(f"/v1/regimens/{older['id']}", headers={"If-Match": 'W/"1"'})
    assert gone.json()["entered_in_error"] is True
    listed = (await client.get(f"/v1/patients/{patient['id']}/regimens")).json()["items"]
    assert [r["id"] for r in listed] == [made["id"]]
    history = (await client.get(f"/v1/regimens/{made['id']}/history")).json()["items"]
    assert [v["data"]["end_date"] for v in history] == [None, "2018-01-10"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"drug": "aspirin"}, "drug"),
        ({"drug": "adalimumab", "route": "iv"}, "route"),
        ({"route": "rectal"}, "route"),
        ({"dose": {"value": 8, "unit": "g"}}, "dose"),
        ({"dose": {"value": 0, "unit": "mg"}}, "dose"),
        ({"dose": {"value": -1, "unit": "mg"}}, "dose"),
        ({"interval_days": 0}, "interval_days"),
        ({"interval_days": "28"}, "interval_days"),
        ({"start_date": "2016-01-10", "end_date": "2015-01-01"}, None),
        ({"discontinuation_reason": "inefficacy"}, None),
        ({"discontinuation_reason": "bored", "end_date": "2017-01-01"}, "discontinuation_reason"),
        ({"start_date": "10/01/2016"}, "start_date"),
    ],
)
async def test_regimen_validation(
    client: httpx.AsyncClient, change: dict[str, object], field: str | None
) -> None:
    patient = await f.patient(client)
    response = await client.post(
        f"/v1/patients/{patient['id']}/regimens", json=f.regimen_body(**change)
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    locs = [e["loc"] for e in response.json()["errors"]]
    if field is not None:
        assert any(loc[:2] == ["body", field] for loc in locs), locs


async def test_regimen_patch_rechecks_dates_and_refuses_drug_change(
    client: httpx.AsyncClient,
) -> None:
    patient = await f.patient(client)
    made = await f.regimen(client, patient["id"])
    before_start = await client.patch(f"/v1/regimens/{made['id']}", json={"end_date": "2015-01-01"})
    assert before_start.status_code == 422
    reason_alone = await client.patch(
        f"/v1/regimens/{made['id']}", json={"discontinuation_reason": "intolerance"}
    )
    assert reason_alone.status_code == 422
    drug = await client.patch(f"/v1/regimens/{made['id']}", json={"drug": "rituximab"})
    assert drug.status_code == 422
    assert (await client.get(f"/v1/regimens/{made['id']}")).json()["version"] == 1


async def test_regimen_for_unknown_or_deleted_patient_is_404(client: httpx.AsyncClient) -> None:
    patient = await f.patient(client)
    await client.delete(f"/v1/patients/{patient['id']}")
    response = await client.post(f"/v1/patients/{patient['id']}/regimens", json=f.regimen_body())
    assert response.status_code == 404
    listing = await client.get("/v1/patients/00000000-0000-4000-8000-000000000000/regimens")
    assert listing.status_code == 404
