"""Dose changes through the API (issue 11, item 4): dated records like the others, and a
patient through a tocilizumab escalation (4 -> 8 mg/kg) and a prednisone taper
(15 -> 10 -> 7.5 -> 5 mg/day) read as a clinician expects."""

from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.config import Settings
from tests.support import factories as f
from tests.support.clients import client_with, token

pytestmark = pytest.mark.anyio

FAILED = [  # drug, route, dose, start, end, reason
    (
        "methotrexate",
        "oral",
        {"value": 15, "unit": "mg"},
        "2008-01-01",
        "2010-01-01",
        "intolerance",
    ),
    ("adalimumab", "sc", {"value": 40, "unit": "mg"}, "2010-01-01", "2012-01-01", "inefficacy"),
    ("abatacept", "iv", {"value": 750, "unit": "mg"}, "2013-01-01", "2015-06-01", "inefficacy"),
]


def change(effective: str, value: float, unit: str, interval: int | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"effective_date": effective, "dose": {"value": value, "unit": unit}}
    return body if interval is None else {**body, "interval_days": interval}


async def _in_remission(client: httpx.AsyncClient, pid: str, at: str) -> None:
    labs, visits = f"/v1/patients/{pid}/lab-results", f"/v1/patients/{pid}/assessments"
    await f.created(
        client,
        labs,
        f.lab_body(test="esr", value=10, unit="mm/h", reference_range=None, collected_at=at),
    )
    await f.created(client, labs, f.lab_body(value=0.3, collected_at=at))
    await f.created(client, labs, {"loinc": "5130-0", "value_text": "negative", "collected_at": at})
    await f.created(client, visits, f.assessment_body(assessed_at=at))


async def test_escalation_and_taper_through_the_api(client: httpx.AsyncClient) -> None:
    pid = (await f.patient(client))["id"]
    for drug, route, dose, start, end, reason in FAILED:
        await f.regimen(
            client,
            pid,
            drug=drug,
            route=route,
            dose=dose,
            start_date=start,
            end_date=end,
            discontinuation_reason=reason,
        )
    toci = await f.regimen(client, pid, dose={"value": 4, "unit": "mg/kg"})
    pred = await f.prednisone(
        client, pid, dose={"value": 15, "unit": "mg/day"}, start_date="2015-06-01"
    )
    infusions = f"/v1/regimens/{toci['id']}/infusions"
    for at, mg in (("2016-01-10", 248), ("2016-02-07", 248)):
        await f.created(
            client,
            infusions,
            f.infusion_body(administered_at=f"{at}T09:00:00Z", dose_mg=mg, weight_kg=62),
        )
    await f.created(
        client, f"/v1/regimens/{toci['id']}/dose-changes", change("2016-03-06", 8, "mg/kg")
    )
    for at, mg in (("2016-03-06", 496), ("2016-04-03", 496), ("2016-05-01", 248)):
        await f.created(
            client,
            infusions,
            f.infusion_body(administered_at=f"{at}T09:00:00Z", dose_mg=mg, weight_kg=62),
        )
    for effective, per_day in (("2016-01-01", 10), ("2016-03-01", 7.5), ("2016-05-01", 5)):
        await f.created(
            client, f"/v1/regimens/{pred['id']}/dose-changes", change(effective, per_day, "mg/day")
        )
    await _in_remission(client, pid, "2016-05-10T09:00:00Z")

    listed = (await client.get(f"/v1/patients/{pid}/infusions")).json()["items"]
    assert [(i["dose_check"], i["interval_check"]["status"]) for i in listed] == [
        ({"status": "ok", "expected_mg": 248.0, "deviation_pct": 0.0}, "first"),
        ({"status": "ok", "expected_mg": 248.0, "deviation_pct": 0.0}, "on_time"),  # 4 mg/kg
        ({"status": "ok", "expected_mg": 496.0, "deviation_pct": 0.0}, "on_time"),  # 8 mg/kg
        ({"status": "ok", "expected_mg": 496.0, "deviation_pct": 0.0}, "on_time"),
        ({"status": "out_of_range", "expected_mg": 496.0, "deviation_pct": -50.0}, "on_time"),
    ]
    history = (
        await client.get(f"/v1/patients/{pid}/status/history", params={"as_of": "2016-06-01"})
    ).json()["items"]
    assert [(c["flag"], c["from"], c["to"], c["effective_date"]) for c in history] == [
        ("refractory", None, "not_met", "2010-01-01"),
        ("refractory", "not_met", "met", "2015-06-01"),
        ("steroid_dependent", None, "not_met", "2015-06-01"),
        ("steroid_dependent", "not_met", "met", str(date(2015, 6, 1) + timedelta(days=180))),
        # 15 -> 10 -> 7.5 mg/day keeps it; the step to 5 mg/day ends it that day.
        ("steroid_dependent", "met", "not_met", "2016-05-01"),
        ("remission", None, "met", "2016-05-10"),
    ]
    during = (await client.get(f"/v1/patients/{pid}/status", params={"as_of": "2016-04-15"})).json()
    after = (await client.get(f"/v1/patients/{pid}/status", params={"as_of": "2016-06-01"})).json()
    assert during["steroid_dependent"]["status"] == "met"
    assert during["steroid_dependent"]["criteria"][0]["value"] == 7.5
    assert after["steroid_dependent"]["criteria"][0]["value"] == 5.0
    assert after["remission"]["caveats"] == [
        {
            "code": "acute_phase_suppressed",
            "drug": "tocilizumab",
            "criteria": ["esr_normal", "crp_normal"],
        }
    ]
    # The taper is history: today the course still runs at 5 mg/day, the regimen unchanged.
    read = (await client.get(f"/v1/regimens/{pred['id']}")).json()
    assert (read["version"], read["dose"], read["current_dose"]) == (
        1,
        {"value": 15.0, "unit": "mg/day"},
        {"value": 5.0, "unit": "mg/day"},
    )


async def test_a_dose_change_is_a_record_like_the_others(client: httpx.AsyncClient) -> None:
    pid = (await f.patient(client))["id"]
    toci = await f.regimen(client, pid, dose={"value": 4, "unit": "mg/kg"})
    path = f"/v1/regimens/{toci['id']}/dose-changes"
    headers = {"Idempotency-Key": "escalation-1"}
    first = await client.post(path, json=change("2016-03-06", 8, "mg/kg"), headers=headers)
    again = await client.post(path, json=change("2016-03-06", 8, "mg/kg"), headers=headers)
    resent = await client.post(path, json=change("2016-03-06", 8, "mg/kg"))
    twice = await client.post(path, json=change("2016-03-06", 6, "mg/kg"))
    outside = await client.post(path, json=change("2016-01-09", 6, "mg/kg"))

    assert first.status_code == 201, first.text
    made = first.json()
    assert first.headers["Location"] == f"/v1/dose-changes/{made['id']}"
    assert made["interval_days"] is None  # omitted: the interval in force is kept
    assert (again.status_code, again.json()["id"]) == (201, made["id"])
    assert (resent.status_code, resent.json()["id"]) == (200, made["id"])
    assert twice.status_code == 409
    assert twice.json()["existing_id"] == made["id"]
    assert outside.status_code == 422
    regimen = (await client.get(f"/v1/regimens/{toci['id']}")).json()
    assert regimen["version"] == 1  # a change does not change its regimen
    assert regimen["current_dose"] == {"value": 8.0, "unit": "mg/kg"}
    assert [c["id"] for c in (await client.get(path)).json()["items"]] == [made["id"]]

    deleted = await client.delete(f"/v1/dose-changes/{made['id']}")
    assert (deleted.status_code, deleted.json()["entered_in_error"]) == (200, True)
    assert (await client.get(path)).json()["items"] == []
    history = (await client.get(f"/v1/dose-changes/{made['id']}/history")).json()["items"]
    assert [v["version"] for v in history] == [1, 2]
    again_later = await client.post(path, json=change("2016-03-06", 6, "mg/kg", 21))
    assert again_later.status_code == 201  # the change entered in error no longer blocks
    assert (await client.get(f"/v1/regimens/{toci['id']}")).json()["current_dose"] == {
        "value": 6.0,
        "unit": "mg/kg",
    }


async def test_the_starting_dose_is_fixed_once_it_has_consequences(
    client: httpx.AsyncClient,
) -> None:
    pid = (await f.patient(client))["id"]
    today = date.today()
    future = await f.regimen(client, pid, start_date=str(today + timedelta(days=7)))
    past = await f.regimen(client, pid, start_date="2016-01-10")
    ended = await f.regimen(
        client,
        pid,
        start_date="2016-01-10",
        end_date="2016-06-30",
        discontinuation_reason="remission",
    )
    planned = await f.regimen(client, pid, start_date=str(today + timedelta(days=7)))
    await f.created(
        client,
        f"/v1/regimens/{planned['id']}/dose-changes",
        change(str(today + timedelta(days=30)), 4, "mg/kg"),
    )
    new_dose = {"dose": {"value": 4, "unit": "mg/kg"}}

    assert (await client.patch(f"/v1/regimens/{future['id']}", json=new_dose)).status_code == 200
    assert (await client.patch(f"/v1/regimens/{past['id']}", json=new_dose)).status_code == 409
    refused = await client.patch(f"/v1/regimens/{planned['id']}", json={"interval_days": 14})
    assert refused.status_code == 409
    assert "dose-changes" in refused.json()["detail"]
    # Other fields stay editable, and the same dose sent again is no change.
    same = {"end_date": "2016-12-31", "dose": {"value": 8, "unit": "mg/kg"}}
    assert (await client.patch(f"/v1/regimens/{past['id']}", json=same)).status_code == 200
    assert (await client.get(f"/v1/regimens/{ended['id']}")).json()["current_dose"] is None
    assert (await client.get(f"/v1/regimens/{future['id']}")).json()["current_dose"] is None


async def test_a_writer_without_read_gets_a_receipt(app: FastAPI, settings: Settings) -> None:
    async with client_with(app, token(settings)) as client:
        pid = (await f.patient(client))["id"]
        toci = await f.regimen(client, pid)
    async with client_with(app, token(settings, "records:write")) as writer:
        answer = await writer.post(
            f"/v1/regimens/{toci['id']}/dose-changes", json=change("2016-03-06", 4, "mg/kg")
        )
    assert answer.status_code == 201
    assert set(answer.json()) == {
        "id",
        "version",
        "patient_id",
        "created_at",
        "updated_at",
        "entered_in_error",
    }


async def test_interval_check_reads_the_interval_in_force(client: httpx.AsyncClient) -> None:
    pid = (await f.patient(client))["id"]
    toci = await f.regimen(client, pid)  # every 28 days from 2016-01-10
    await f.created(
        client, f"/v1/regimens/{toci['id']}/dose-changes", change("2016-02-08", 8, "mg/kg", 14)
    )
    for day in ("2016-01-10", "2016-02-07", "2016-02-21"):
        body = f.infusion_body(administered_at=f"{day}T09:00:00Z", dose_mg=496, weight_kg=62)
        await f.created(client, f"/v1/regimens/{toci['id']}/infusions", body)

    listed = (await client.get(f"/v1/patients/{pid}/infusions")).json()["items"]

    # 14 days after the previous: early against 28 days, on time against the new 14.
    assert [i["interval_check"] for i in listed] == [
        {"status": "first", "days_since_previous": None},
        {"status": "on_time", "days_since_previous": 28},
        {"status": "on_time", "days_since_previous": 14},
    ]


async def test_the_timeline_shows_a_regimen_with_its_dose_steps(client: httpx.AsyncClient) -> None:
    pid = (await f.patient(client))["id"]
    toci = await f.regimen(client, pid, dose={"value": 4, "unit": "mg/kg"})
    path = f"/v1/regimens/{toci['id']}/dose-changes"
    raised = (await client.post(path, json=change("2016-03-06", 8, "mg/kg", 21))).json()
    dropped = await client.post(path, json=change("2016-05-01", 6, "mg/kg"))
    await client.delete(f"/v1/dose-changes/{dropped.json()['id']}")

    timeline = await client.get(f"/v1/patients/{pid}/timeline")

    assert timeline.status_code == 200, timeline.text
    (span,) = [item for item in timeline.json()["items"] if item["kind"] == "regimen"]
    assert [
        (s["effective_date"], s["dose"], s["interval_days"], s["dose_change_id"])
        for s in span["doses"]
    ] == [
        (toci["start_date"], {"value": 4.0, "unit": "mg/kg"}, toci["interval_days"], None),
        ("2016-03-06", {"value": 8.0, "unit": "mg/kg"}, 21, raised["id"]),
    ]  # the change entered in error is not a step
    assert toci["end_date"] is None  # ongoing: the dose in force today is the last step's
    assert span["record"]["current_dose"] == {"value": 8.0, "unit": "mg/kg"}
