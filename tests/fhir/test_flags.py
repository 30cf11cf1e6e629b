"""Flags and DetectedIssues from our status JSON, in every flag state."""

from datetime import date
from typing import Any

import pytest

from app.fhir.config import FhirConfig
from app.fhir.flags import detected_issue, detected_issues, flag_resource, flag_resources
from app.fhir.ids import flag_of
from app.schemas.status import StatusRead

from .records import PATIENT_ID, rid
from .statuses import status, status_history
from .validation import assert_valid

CONFIG = FhirConfig()
BASE = CONFIG.base_url


def parts(extension: dict[str, Any]) -> dict[str, Any]:
    """A complex extension's parts by url, each its one value."""
    return {
        p["url"]: next(v for k, v in p.items() if k.startswith("value"))
        for p in extension["extension"]
    }


@pytest.mark.parametrize("remission", ["met", "not_met", "insufficient_data"])
def test_status_fixture_is_our_read_shape(remission: str) -> None:
    StatusRead.model_validate(status(remission))


@pytest.mark.parametrize("remission", ["met", "not_met", "insufficient_data"])
def test_every_flag_and_issue_validates(remission: str) -> None:
    flags = flag_resources(status(remission), CONFIG, history=status_history())
    issues = detected_issues(status(remission), CONFIG)

    for resource in [*flags, *issues]:
        assert_valid(resource)
    assert [f["id"] for f in flags] == [
        f"{PATIENT_ID}-refractory",
        f"{PATIENT_ID}-steroid-dependent",
        f"{PATIENT_ID}-remission",
    ]
    assert [i["id"] for i in issues] == [f"{f['id']}-evidence" for f in flags]
    assert all(len(r["id"]) <= 64 for r in [*flags, *issues])
    for flag, issue in zip(flags, issues, strict=True):
        detail = next(e for e in flag["extension"] if e["url"].endswith("/flag-detail"))
        assert detail["valueReference"] == {"reference": f"DetectedIssue/{issue['id']}"}


def test_flag_status_and_tri_state_extension() -> None:
    refractory, steroid, remission = flag_resources(status(), CONFIG)

    assert [f["status"] for f in (refractory, steroid, remission)] == [
        "active",
        "inactive",
        "inactive",
    ]
    evaluation = remission["extension"][0]
    assert evaluation["url"] == f"{BASE}/StructureDefinition/flag-evaluation"
    assert parts(evaluation) == {
        "status": "insufficient_data",
        "rulesVersion": "2026.2",
        "asOf": "2016-06-15",
        "sustained": False,
    }
    assert parts(steroid["extension"][0])["status"] == "not_met"
    assert remission["code"]["coding"][0] == {
        "system": f"{BASE}/CodeSystem/flag",
        "code": "remission",
        "display": "Complete clinical remission",
    }
    assert remission["subject"] == {"reference": f"Patient/{PATIENT_ID}"}


def test_period_start_of_active_flags() -> None:
    met = status("met")
    remission = flag_resource(met, "remission", CONFIG)
    refractory = flag_resource(met, "refractory", CONFIG, history=status_history())
    unknown_start = flag_resource(met, "refractory", CONFIG)
    inactive = flag_resource(met, "steroid_dependent", CONFIG, history=status_history())

    assert remission["period"] == {"start": "2016-05-10"}
    assert parts(remission["extension"][0])["since"] == "2016-05-10"
    # the latest change to met on or before as_of (a later one is ignored)
    assert refractory["period"] == {"start": "2014-01-01"}
    assert "period" not in unknown_start
    assert "period" not in inactive


def test_detected_issue_implicates_the_records_behind_the_flag() -> None:
    refractory, steroid, remission = detected_issues(status("met"), CONFIG)

    assert [r["reference"] for r in refractory["implicated"]] == [
        f"MedicationRequest/{rid(n)}" for n in ("mtx", "ada", "aba", "cyc")
    ]
    assert steroid["implicated"] == [{"reference": f"MedicationRequest/{rid('pred')}"}]
    visit = rid("visit")
    assert [r["reference"] for r in remission["implicated"]] == [
        f"Observation/{rid('esr')}",
        f"Observation/{rid('crp')}",
        f"Observation/{rid('dsdna-neg')}",
        f"Observation/{visit}-swollen-joints-28",
        f"Observation/{visit}-tender-joints-28",
        f"Observation/{visit}-power-doppler",
    ]
    assert remission["detail"] == "In complete clinical remission since 2016-05-10"
    assert remission["identifiedDateTime"] == "2016-06-15"
    assert remission["patient"] == {"reference": f"Patient/{PATIENT_ID}"}


def test_criteria_extensions() -> None:
    issue = detected_issue(status(), "remission", CONFIG)
    criteria = [parts(e) for e in issue["extension"]]

    assert all(e["url"] == f"{BASE}/StructureDefinition/criterion" for e in issue["extension"])
    assert criteria[0] == {
        "name": "esr_normal",
        "status": "met",
        "value": 30.0,
        "limit": 34.5,
        "unit": "mm/h",
        "observedAt": "2016-05-10T08:00:00Z",
        "source": {"reference": f"Observation/{rid('esr')}"},
    }
    assert criteria[2]["value"] == "negative"
    assert criteria[5] == {"name": "power_doppler_negative", "status": "insufficient_data"}
    doppler_met = parts(detected_issue(status("met"), "remission", CONFIG)["extension"][5])
    assert doppler_met["observedAt"] == "2016-05-10"


def test_issue_without_criteria_or_records() -> None:
    bare = status()
    bare["steroid_dependent"] = {"status": "not_met", "summary": "no glucocorticoid",
                                 "criteria": [], "evidence": {}}  # fmt: skip
    issue = detected_issue(bare, "steroid_dependent", CONFIG)

    assert_valid(issue)
    assert "extension" not in issue
    assert "implicated" not in issue


def test_python_dates_are_accepted_too() -> None:
    """A caller may hand over model_dump() output (date/datetime objects), not JSON; a
    JSON date read into `datetime | date` comes back as a naive midnight: still a date."""
    dumped = StatusRead.model_validate(status("met")).model_dump()
    flags = flag_resources(dumped, CONFIG, history=[])
    issue = detected_issue(dumped, "remission", CONFIG)

    assert flags[2]["period"] == {"start": "2016-05-10"}
    assert parts(issue["extension"][0])["observedAt"] == "2016-05-10T08:00:00Z"
    assert parts(issue["extension"][5])["observedAt"] == "2016-05-10"
    dumped["remission"]["criteria"][5]["observed_at"] = date(2016, 5, 9)
    doppler = detected_issue(dumped, "remission", CONFIG)["extension"][5]
    assert parts(doppler)["observedAt"] == "2016-05-09"


@pytest.mark.parametrize("flag", ["refractory", "steroid_dependent", "remission"])
def test_flag_ids_parse_back(flag: str) -> None:
    resource = flag_resource(status(), flag, CONFIG)
    issue = detected_issue(status(), flag, CONFIG)

    assert flag_of(resource["id"]) == (PATIENT_ID, flag)
    assert flag_of(issue["id"], evidence=True) == (PATIENT_ID, flag)
    assert flag_of(issue["id"]) is None
    assert flag_of(resource["id"], evidence=True) is None
