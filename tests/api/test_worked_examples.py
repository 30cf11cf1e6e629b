"""The worked examples of clinical-rules.md, both editions, fed through the POSTs and read
from the status (the pure rules' own tests check them in more detail)."""

from typing import Any

import httpx
import pytest

from tests.support import factories as f

pytestmark = pytest.mark.anyio

DAY = "2016-05-10T08:00:00Z"
ESR_30 = f.lab_body(test="esr", value=30, unit="mm/h", reference_range=None, collected_at=DAY)
CRP_3 = f.lab_body(value=0.3, unit="mg/dL", reference_range=None, collected_at=DAY)
DSDNA = {"loinc": "5130-0", "value_text": "negative", "collected_at": DAY}
VISIT = f.assessment_body(assessed_at="2016-05-10T09:00:00Z")
NO_DOPPLER = {k: v for k, v in VISIT.items() if k != "power_doppler"}
DAS28_VISIT = {**VISIT, "tender_joints_28": 4, "swollen_joints_28": 2, "patient_global": 50}
CRP_12 = f.lab_body(value=12, unit="mg/L", reference_range=None, collected_at=DAY)
PRED = {**f.PREDNISONE, "start_date": "2015-01-01"}


def mg_per_day(drug: str, value: float) -> dict[str, Any]:
    return {**PRED, "drug": drug, "dose": {"value": value, "unit": "mg/day"}}


def read(status: dict[str, Any], path: str) -> Any:
    """`remission.criteria.esr_normal.limit`: criteria and scores are looked up by name."""
    found: Any = status
    for part in path.split("."):
        if isinstance(found, list):
            found = next(item for item in found if item.get("name") == part)
        else:
            found = found[part]
    return found


# (example, records posted as (collection, body), as_of, {status path: expected})
# fmt: off
EXAMPLES: list[tuple[str, list[tuple[str, dict[str, Any]]], str, dict[str, Any]]] = [
    (
        "remission: woman born 1957-03-01, all six criteria on 2016-05-10",
        [("lab-results", ESR_30), ("lab-results", CRP_3), ("lab-results", DSDNA),
         ("assessments", VISIT)],
        "2016-05-10",
        {"remission.status": "met", "remission.criteria.esr_normal.limit": 34.5,
         "remission.criteria.crp_normal.value": 3.0, "remission.since": "2016-05-10"},
    ),
    (
        "remission: the power Doppler never recorded",
        [("lab-results", ESR_30), ("lab-results", CRP_3), ("lab-results", DSDNA),
         ("assessments", NO_DOPPLER)],
        "2016-05-10",
        {"remission.status": "insufficient_data",
         "remission.criteria.power_doppler_negative.status": "insufficient_data"},
    ),
    (
        "DAS28: TJC 4, SJC 2, ESR 30, PtGA 50; CRP 12 mg/L",
        [("lab-results", ESR_30), ("lab-results", CRP_12), ("assessments", DAS28_VISIT)],
        "2016-05-10",
        {"disease_activity.scores.das28_esr.value": 4.6,
         "disease_activity.scores.das28_esr.category": "moderate",
         "disease_activity.scores.das28_crp.value": 4.1},
    ),
    (
        "second edition: CRP 0.57 mg/dL with a reference high of 0.57 mg/dL is normal",
        [("lab-results", f.lab_body(value=0.57, reference_range={"low": None, "high": 0.57},
                                    collected_at=DAY))],
        "2016-05-10",
        {"remission.criteria.crp_normal.status": "met"},
    ),
    (
        "second edition: prednisone 7.3 + 0.2 mg/day is 7.5 and meets the threshold",
        [("regimens", mg_per_day("prednisone", 7.3)), ("regimens", mg_per_day("prednisone", 0.2))],
        "2016-01-01",
        {"steroid_dependent.status": "met",
         "steroid_dependent.criteria.dose_at_or_above_threshold.value": 7.5},
    ),
]
# fmt: on


@pytest.mark.parametrize(
    ("records", "as_of", "expected"), [e[1:] for e in EXAMPLES], ids=[e[0] for e in EXAMPLES]
)
async def test_worked_example(
    client: httpx.AsyncClient,
    records: list[tuple[str, dict[str, Any]]],
    as_of: str,
    expected: dict[str, Any],
) -> None:
    pid = (await f.patient(client, sex="female", birth_date="1957-03-01"))["id"]
    for collection, body in records:
        await f.created(client, f"/v1/patients/{pid}/{collection}", body)

    status = (await client.get(f"/v1/patients/{pid}/status", params={"as_of": as_of})).json()

    assert {path: read(status, path) for path in expected} == expected


@pytest.mark.parametrize(
    ("given", "status"), [(545.6, "ok"), (446.4, "ok"), (545.7, "out_of_range")]
)
async def test_a_dose_exactly_10_percent_off_is_ok(
    client: httpx.AsyncClient, given: float, status: str
) -> None:
    """Second edition: 8 mg/kg x 62 kg = 496 mg; 545.6 and 446.4 mg are exactly 10 % off."""
    pid = (await f.patient(client))["id"]
    toci = await f.regimen(client, pid)
    path = f"/v1/regimens/{toci['id']}/infusions"

    infusion = await f.created(client, path, f.infusion_body(dose_mg=given, weight_kg=62))

    check = infusion["dose_check"]
    assert (check["status"], check["expected_mg"]) == (status, 496.0)
