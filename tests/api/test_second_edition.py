"""The second edition of the rules through the API (issue 11): exact values from the POST
to the stored flag, clinical-day windows in the loaders, disease-activity inputs, censored
values, body surface area and the catalogue additions."""

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest

from app import rules
from app.config import Settings
from app.main import create_app
from app.schemas.lab_result import LabResultCreate
from app.services import clinical_inputs, lab_results
from tests.support import factories as f
from tests.support.clients import SECRET, client_with, token

pytestmark = pytest.mark.anyio


async def status(client: httpx.AsyncClient, pid: str, as_of: str) -> dict[str, Any]:
    answer = await client.get(f"/v1/patients/{pid}/status", params={"as_of": as_of})
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def criterion(flag: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = next(c for c in flag["criteria"] if c["name"] == name)
    return found


def crp(value: float, high: float | None, at: str, unit: str = "mg/dL", **over: Any) -> Any:
    rng = None if high is None else {"low": None, "high": high}
    return f.lab_body(value=value, unit=unit, reference_range=rng, collected_at=at, **over)


async def remission_labs(client: httpx.AsyncClient, pid: str, at: str, crp_body: Any) -> None:
    labs = f"/v1/patients/{pid}/lab-results"
    esr = f.lab_body(test="esr", value=10, unit="mm/h", reference_range=None, collected_at=at)
    dsdna = {"loinc": "5130-0", "value_text": "negative", "collected_at": at}
    for body in (esr, crp_body, dsdna):
        await f.created(client, labs, body)
    await f.created(client, f"/v1/patients/{pid}/assessments", f.assessment_body(assessed_at=at))


async def test_crp_at_its_own_limit_in_mg_dl_is_normal_in_the_status_and_the_cohort(
    client: httpx.AsyncClient,
) -> None:
    patient = await f.patient(client)
    pid = patient["id"]
    # Collected an hour ago: the flag stored after the write (as of today) reads it too.
    at = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    await remission_labs(client, pid, at, crp(0.57, 0.57, at))

    today = (await status(client, pid, str(date.today())))["remission"]
    cohort = await client.get(
        "/v1/patients", params={"mrn": patient["mrn"], "flag": "remission", "flag_status": "met"}
    )

    assert criterion(today, "crp_normal")["status"] == "met"
    assert today["status"] == "met"
    assert [p["id"] for p in cohort.json()["items"]] == [pid]


def test_every_two_decimal_crp_in_mg_dl_is_normal_at_its_own_limit() -> None:
    """0.01 to 2.99 mg/dL, each at a reference high equal to itself: the value stored by the
    POST and the limit read by the loader reach the rules as the same exact decimal."""
    at = datetime(2016, 5, 10, 8, tzinfo=UTC)
    wrong = []
    for cents in range(1, 300):
        value = cents / 100
        body = LabResultCreate.model_validate(crp(value, value, at.isoformat()))
        test = lab_results.resolve_test(key="crp")
        stored, unit = lab_results._canonical(test, test.loinc, body)
        row = ("patient", "id", "crp", at, value, "mg/dL", unit, None, value, None)
        lab = clinical_inputs.lab_result(row, 0)
        reading = rules.to_canonical(value, 10)
        if (lab.canonical_value, lab.reference_high, rules.exact(stored or 0)) != (reading,) * 3:
            wrong.append(value)
    assert wrong == []


@pytest.mark.parametrize(
    ("doses"),
    [
        [("prednisone", 7.3), ("prednisone", 0.2)],
        [("hydrocortisone", 0.8), ("prednisone", 7.3)],
    ],
)
async def test_steroid_doses_summing_to_exactly_7_5_meet_the_threshold(
    client: httpx.AsyncClient, doses: list[tuple[str, float]]
) -> None:
    pid = (await f.patient(client))["id"]
    for drug, mg in doses:
        await f.prednisone(
            client, pid, drug=drug, dose={"value": mg, "unit": "mg/day"}, start_date="2015-01-01"
        )

    steroid = (await status(client, pid, "2016-01-01"))["steroid_dependent"]

    assert steroid["status"] == "met"
    assert steroid["criteria"][0]["value"] == 7.5


@pytest.fixture
async def madrid(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(
        database_url=database_url,
        jwt_secret=SECRET,
        rules=rules.RuleSettings(clinical_timezone="Europe/Madrid"),
    )
    app = create_app(settings)
    async with client_with(app, token(settings)) as client:
        yield client
    await app.state.engine.dispose()


async def test_safety_window_counts_clinical_days_at_both_ends(
    madrid: httpx.AsyncClient,
) -> None:
    pid = (await f.patient(madrid))["id"]
    await f.regimen(madrid, pid)  # tocilizumab from 2016-01-10
    neutrophils = f.lab_body(
        test="neutrophils",
        value=0.4,
        unit="10*9/L",
        reference_range=None,
        collected_at="2016-05-01T00:30:00+02:00",  # 2016-04-30T22:30Z
    )
    await f.created(madrid, f"/v1/patients/{pid}/lab-results", neutrophils)

    on_day_30 = (await status(madrid, pid, "2016-05-31"))["safety_alerts"]
    on_day_31 = (await status(madrid, pid, "2016-06-01"))["safety_alerts"]

    assert [(a["action"], a["test"], a["value"]) for a in on_day_30] == [
        ("discontinue", "neutrophils", 0.4)
    ]
    assert on_day_31 == []


async def test_activity_scores_read_the_latest_visit_with_their_inputs(
    client: httpx.AsyncClient,
) -> None:
    pid = (await f.patient(client))["id"]
    visits = f"/v1/patients/{pid}/assessments"
    full = f.assessment_body(assessed_at="2016-05-10T09:00:00Z", tender_joints_28=4)
    await f.created(client, visits, full)
    weight_only = {"assessed_at": "2016-05-20T09:00:00Z", "weight_kg": 63, "height_cm": 165}
    await f.created(client, visits, weight_only)

    fresh = (await status(client, pid, "2016-06-01"))["disease_activity"]["scores"]
    stale = (await status(client, pid, "2016-08-09"))["disease_activity"]["scores"]

    cdai = next(s for s in fresh if s["name"] == "cdai")
    assert (cdai["value"], cdai["omitted_reason"]) == (4 + 0 + 1 + 0.5, None)
    assert {s["omitted_reason"] for s in stale if s["name"] in ("cdai",)} == {"stale"}


async def test_censored_crp_alias_codes_and_the_remission_side_by_side(
    client: httpx.AsyncClient,
) -> None:
    pid = (await f.patient(client))["id"]
    at = "2016-05-10T08:00:00Z"
    hs_crp = {"loinc": "30522-7", "value": 3, "comparator": "<", "unit": "mg/L", "collected_at": at}
    await remission_labs(client, pid, at, hs_crp)
    esr_alias = f.lab_body(test=None, loinc="82477-1", value=12, unit="mm/h", collected_at=at)
    esr_alias["reference_range"] = None
    stored = await f.created(client, f"/v1/patients/{pid}/lab-results", esr_alias)

    result = await status(client, pid, "2016-05-10")

    assert (stored["test"], stored["loinc"]) == ("esr", "82477-1")
    assert criterion(result["remission"], "crp_normal")["status"] == "met"  # <3 mg/L
    assert criterion(result["remission"], "esr_normal")["value"] == 12
    assert result["remission"]["status"] == "met"
    assert result["remission"]["caveats"] == []
    definitions = result["remission_definitions"]
    assert set(definitions) == {"boolean_2011", "boolean_2022", "sdai", "cdai"}
    assert definitions["cdai"]["status"] == "met"  # 0 + 0 + 1 + 0.5


async def test_mg_m2_doses_use_the_body_surface_area(client: httpx.AsyncClient) -> None:
    pid = (await f.patient(client))["id"]
    cyclo = await f.regimen(
        client, pid, drug="cyclophosphamide", dose={"value": 500, "unit": "mg/m2"}
    )
    path = f"/v1/regimens/{cyclo['id']}/infusions"
    at = "2016-02-07T09:30:00+01:00"
    unknown = await f.created(client, path, f.infusion_body(dose_mg=850, weight_kg=None))
    await f.created(
        client,
        f"/v1/patients/{pid}/assessments",
        {"assessed_at": "2016-02-01T09:00:00Z", "height_cm": 170, "weight_kg": 62},
    )
    known = await f.created(client, path, f.infusion_body(administered_at=at, dose_mg=850))

    assert unknown["dose_check"]["status"] == "unknown"  # no height yet
    # Mosteller: sqrt(170 x 62 / 3600) = 1.7111 m2; 500 mg/m2 = 855.54 mg.
    assert known["dose_check"] == {"status": "ok", "expected_mg": 855.54, "deviation_pct": -0.65}


async def test_catalogue_lists_every_accepted_code_and_the_new_routes_are_not_systemic(
    client: httpx.AsyncClient,
) -> None:
    tests = {t["key"]: t for t in (await client.get("/v1/catalog/lab-tests")).json()}
    drugs = {d["code"]: d for d in (await client.get("/v1/catalog/drugs")).json()}
    pid = (await f.patient(client))["id"]
    for drug, route in (("triamcinolone", "intra_articular"), ("hydrocortisone", "topical")):
        await f.prednisone(
            client, pid, drug=drug, route=route, start_date="2015-01-01", interval_days=None
        )

    steroid = (await status(client, pid, "2016-01-01"))["steroid_dependent"]

    assert tests["esr"]["codes"] == ["4537-7", "30341-2", "82477-1"]
    assert tests["anti_dsdna"]["codes"] == ["5130-0", "33799-8", "11013-0"]
    assert tests["anti_dsdna"]["titer_codes"] == ["11013-0"]
    assert tests["crp"]["codes"] == ["1988-5", "30522-7"]
    assert {"triamcinolone", "betamethasone", "cortisone", "budesonide"} <= set(drugs)
    assert (steroid["status"], steroid["criteria"][0]["value"]) == ("not_met", 0)


async def test_an_anti_dsdna_titer_is_read_against_its_own_range(
    client: httpx.AsyncClient,
) -> None:
    pid = (await f.patient(client))["id"]
    labs = f"/v1/patients/{pid}/lab-results"
    titer = {
        "loinc": "11013-0",
        "value": 80,
        "unit": "{titer}",
        "reference_range": {"low": None, "high": 40},
        "collected_at": "2016-05-10T08:00:00Z",
    }
    stored = await f.created(client, labs, titer)
    wrong_unit = await client.post(labs, json={**titer, "unit": "IU/mL"})

    remission = (await status(client, pid, "2016-05-10"))["remission"]

    assert (stored["canonical_value"], stored["canonical_unit"]) == (80, "{titer}")
    assert wrong_unit.status_code == 422
    assert criterion(remission, "anti_dsdna_negative")["status"] == "not_met"  # 1:80 > 1:40
