from typing import Any

import httpx
import pytest

from tests.support import factories as f

pytestmark = pytest.mark.anyio


async def _iv_regimen(client: httpx.AsyncClient, **over: object) -> dict[str, object]:
    patient = await f.patient(client)
    return await f.regimen(client, patient["id"], **over)


async def test_create_read_list_patch_infusion(client: httpx.AsyncClient) -> None:
    regimen = await _iv_regimen(client)
    response = await client.post(f"/v1/regimens/{regimen['id']}/infusions", json=f.infusion_body())
    assert response.status_code == 201, response.text
    made = response.json()
    assert made["patient_id"] == regimen["patient_id"]
    assert made["administered_at"] == "2016-02-07T08:30:00Z"  # returned in UTC
    assert response.headers["location"] == f"/v1/infusions/{made['id']}"
    listed = await client.get(f"/v1/patients/{regimen['patient_id']}/infusions")
    assert [i["id"] for i in listed.json()["items"]] == [made["id"]]
    patched = await client.patch(f"/v1/infusions/{made['id']}", json={"status": "interrupted"})
    assert (patched.json()["status"], patched.json()["version"]) == ("interrupted", 2)
    assert patched.headers["etag"] == 'W/"2"'


async def test_infusion_needs_an_iv_regimen(client: httpx.AsyncClient) -> None:
    regimen = await _iv_regimen(
        client, drug="methotrexate", route="oral", dose={"value": 15, "unit": "mg"}
    )
    response = await client.post(f"/v1/regimens/{regimen['id']}/infusions", json=f.infusion_body())
    assert response.status_code == 422
    assert "iv" in response.json()["detail"]


@pytest.mark.parametrize(
    "when",
    ["2016-01-09T12:00:00+00:00", "2017-01-11T00:30:00+00:00", "2016-01-10T00:30:00+02:00"],
)
async def test_infusion_outside_regimen_dates_is_422(client: httpx.AsyncClient, when: str) -> None:
    regimen = await _iv_regimen(client, end_date="2017-01-10", discontinuation_reason="remission")
    response = await client.post(
        f"/v1/regimens/{regimen['id']}/infusions", json=f.infusion_body(administered_at=when)
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "administered_at"]


async def test_infusion_on_the_regimen_edges_is_accepted(client: httpx.AsyncClient) -> None:
    regimen = await _iv_regimen(client, end_date="2017-01-10", discontinuation_reason="remission")
    for when in ("2016-01-10T00:00:00Z", "2017-01-10T23:59:59Z"):
        response = await client.post(
            f"/v1/regimens/{regimen['id']}/infusions", json=f.infusion_body(administered_at=when)
        )
        assert response.status_code == 201, response.text


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"administered_at": "2016-02-07T09:30:00"}, "administered_at"),
        ({"administered_at": "2016-02-07"}, "administered_at"),
        ({"dose_mg": 0}, "dose_mg"),
        ({"dose_mg": "496"}, "dose_mg"),
        ({"dose_mg": True}, "dose_mg"),
        ({"weight_kg": -62}, "weight_kg"),
        ({"status": "done"}, "status"),
        ({"external_id": ""}, "external_id"),
        ({"extra": 1}, "extra"),
    ],
)
async def test_infusion_validation(
    client: httpx.AsyncClient, change: dict[str, object], field: str
) -> None:
    regimen = await _iv_regimen(client)
    response = await client.post(
        f"/v1/regimens/{regimen['id']}/infusions", json=f.infusion_body(**change)
    )
    assert response.status_code == 422, response.text
    assert ["body", field] in [e["loc"][:2] for e in response.json()["errors"]]


async def test_regimen_dates_cannot_move_past_its_infusions(client: httpx.AsyncClient) -> None:
    regimen = await _iv_regimen(client)
    await client.post(f"/v1/regimens/{regimen['id']}/infusions", json=f.infusion_body())
    response = await client.patch(f"/v1/regimens/{regimen['id']}", json={"end_date": "2016-02-01"})
    assert response.status_code == 422
    response = await client.patch(
        f"/v1/regimens/{regimen['id']}", json={"start_date": "2016-03-01"}
    )
    assert response.status_code == 422


async def test_external_id_resend_is_idempotent_and_conflict_names_the_record(
    client: httpx.AsyncClient,
) -> None:
    regimen = await _iv_regimen(client)
    path = f"/v1/regimens/{regimen['id']}/infusions"
    body = f.infusion_body(external_id="ADM-1")
    first = await client.post(path, json=body)
    again = await client.post(path, json=body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    different = await client.post(path, json={**body, "dose_mg": 500})
    assert different.status_code == 409
    assert different.json()["existing_id"] == first.json()["id"]
    listed = await client.get(f"/v1/patients/{regimen['patient_id']}/infusions")
    assert len(listed.json()["items"]) == 1


async def test_every_infusion_answer_carries_dose_and_interval_checks(
    client: httpx.AsyncClient,
) -> None:
    regimen = await _iv_regimen(client)  # tocilizumab 8 mg/kg every 28 days
    path = f"/v1/regimens/{regimen['id']}/infusions"

    async def give(when: str, **over: object) -> dict[str, Any]:
        return await f.created(client, path, f.infusion_body(administered_at=when, **over))

    first = await give("2016-02-07T09:30:00+01:00")  # 8 x 62 kg = 496 mg
    assert first["dose_check"] == {"status": "ok", "expected_mg": 496.0, "deviation_pct": 0.0}
    assert first["interval_check"] == {"status": "first", "days_since_previous": None}
    on_time = await give("2016-03-06T09:30:00+01:00", dose_mg=540)  # +8.9 %
    assert on_time["dose_check"]["status"] == "ok"
    assert on_time["interval_check"] == {"status": "on_time", "days_since_previous": 28}
    early = await give("2016-03-20T09:30:00+01:00", dose_mg=600)
    assert early["dose_check"]["status"] == "out_of_range"
    assert early["interval_check"]["status"] == "early"
    capped = await give("2016-05-20T09:30:00+01:00", weight_kg=110, dose_mg=800)
    assert capped["dose_check"] == {"status": "ok", "expected_mg": 800.0, "deviation_pct": 0.0}
    assert capped["interval_check"] == {"status": "late", "days_since_previous": 61}
    no_weight = await give("2016-06-17T09:30:00+01:00", weight_kg=None)
    assert no_weight["dose_check"]["status"] == "unknown"

    listed = (await client.get(f"/v1/patients/{regimen['patient_id']}/infusions")).json()
    assert [i["interval_check"]["status"] for i in listed["items"]] == [
        "first",
        "on_time",
        "early",
        "late",
        "on_time",
    ]
    single = await client.get(f"/v1/infusions/{early['id']}")
    assert single.json()["dose_check"]["status"] == "out_of_range"
    history = (await client.get(f"/v1/infusions/{early['id']}/history")).json()["items"]
    assert "dose_check" not in history[0]["data"]  # derived, not stored


async def test_weight_comes_from_a_recent_assessment(client: httpx.AsyncClient) -> None:
    regimen = await _iv_regimen(client)
    visits = f"/v1/patients/{regimen['patient_id']}/assessments"
    await f.created(client, visits, {"assessed_at": "2016-02-01T09:00:00Z", "weight_kg": 70})
    made = await f.created(
        client,
        f"/v1/regimens/{regimen['id']}/infusions",
        f.infusion_body(weight_kg=None, dose_mg=560),
    )
    assert made["dose_check"] == {"status": "ok", "expected_mg": 560.0, "deviation_pct": 0.0}
