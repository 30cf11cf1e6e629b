"""OperationOutcomes for every error kind, typed errors, derived ids, config, instants."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from app.fhir.config import FhirConfig
from app.fhir.datatypes import instant
from app.fhir.errors import InvalidRequest, MappingError
from app.fhir.ids import (
    assessment_item,
    condition_index,
    flag_of,
    item_id,
    record_id,
    split_derived,
)
from app.fhir.outcome import (
    ISSUE_CODE_BY_STATUS,
    Issue,
    expression_for,
    operation_outcome,
    outcome_for_status,
    outcome_from_problem,
)

from .records import PATIENT_ID, rid
from .validation import assert_valid


@pytest.mark.parametrize("status", [*ISSUE_CODE_BY_STATUS, 418, 502])
def test_an_outcome_for_every_status(status: int) -> None:
    outcome = outcome_for_status(status, "refused", ["Observation.code"])

    assert_valid(outcome)
    issue = outcome["issue"][0]
    assert issue["severity"] == "error"
    assert issue["code"] == ISSUE_CODE_BY_STATUS.get(status, "invalid" if status < 500 else
                                                     "exception")  # fmt: skip
    assert issue["expression"] == ["Observation.code"]


def test_outcome_codes_of_the_usual_statuses() -> None:
    codes = {s: outcome_for_status(s, "x")["issue"][0]["code"] for s in (404, 409, 410, 503)}

    assert codes == {404: "not-found", 409: "conflict", 410: "deleted", 503: "transient"}
    assert "expression" not in outcome_for_status(404, "x")["issue"][0]


def test_outcome_needs_an_issue_and_keeps_severity() -> None:
    with pytest.raises(ValueError, match="at least one"):
        operation_outcome([])
    warning = operation_outcome([Issue("informational", "ok", severity="information")])
    assert_valid(warning)
    assert warning["issue"][0]["severity"] == "information"


def test_problem_to_outcome() -> None:
    problem = {
        "type": "about:blank", "title": "Unprocessable", "status": 422,
        "detail": "request body is invalid",
        "errors": [
            {"loc": ["body", "unit"], "msg": "unit not accepted for crp; accepted: mg/L, mg/dL"},
            {"loc": ["body", "collected_at"], "msg": "must not be in the future"},
            {"loc": ["body", "mystery"], "msg": "extra"},
            {"loc": [], "msg": "no location"},
        ],
    }  # fmt: skip
    outcome = outcome_from_problem(problem, "Observation")

    assert_valid(outcome)
    assert [i["expression"] for i in outcome["issue"]] == [
        ["Observation.valueQuantity.code"], ["Observation.effectiveDateTime"], ["Observation"],
    ]  # fmt: skip
    assert {i["code"] for i in outcome["issue"]} == {"business-rule"}
    conflict = outcome_from_problem({"title": "Conflict", "status": 409,
                                     "detail": "external_id exists"}, "Observation")  # fmt: skip
    assert conflict["issue"] == [
        {"severity": "error", "code": "conflict", "diagnostics": "external_id exists"}
    ]
    bare = outcome_from_problem({}, "Patient")
    assert bare["issue"][0] == {"severity": "error", "code": "exception",
                                "diagnostics": "request refused"}  # fmt: skip


@pytest.mark.parametrize(
    ("resource_type", "loc", "expected"),
    [
        ("MedicationAdministration", ["body", "dose_mg"],
         "MedicationAdministration.dosage.dose.value"),
        ("Patient", ["birth_date"], "Patient.birthDate"),
        ("Patient", ["body", 0], "Patient"),
        ("Flag", ["body", "x"], "Flag"),
    ],
)  # fmt: skip
def test_expression_for(resource_type: str, loc: list[str | int], expected: str) -> None:
    assert expression_for(resource_type, loc) == expected


def test_relocated_errors_keep_other_expressions() -> None:
    error = MappingError("Observation.code", "unknown")
    error.issues = (*error.issues, Issue("value", "elsewhere", ("Bundle.type", "Observation")))
    moved = error.relocated("Observation", "Bundle.entry[3].resource")

    assert isinstance(moved, MappingError)
    assert [i.expression for i in moved.issues] == [
        ("Bundle.entry[3].resource.code",),
        ("Bundle.type", "Bundle.entry[3].resource"),
    ]
    assert InvalidRequest(None, "x").outcome()["issue"][0] == {
        "severity": "error", "code": "invalid", "diagnostics": "x",
    }  # fmt: skip


def test_derived_ids() -> None:
    visit = rid("visit")

    assert record_id(visit) == visit
    assert record_id(visit.upper()) == visit
    assert record_id("urn:uuid:" + visit) is None
    assert record_id("TO-0001") is None
    assert split_derived(f"{visit}-weight") == (visit, "weight")
    assert split_derived(visit) is None
    assert assessment_item(item_id(visit, "height_cm")) == (visit, "height_cm")
    assert assessment_item(f"{visit}-shoe-size") is None
    assert assessment_item("x-weight") is None
    assert condition_index(f"{PATIENT_ID}-condition-2") == (PATIENT_ID, 1)
    for bad in (f"{PATIENT_ID}-condition-0", f"{PATIENT_ID}-condition-x", "x-condition-1"):
        assert condition_index(bad) is None


def test_flag_ids_that_are_not_flags() -> None:
    assert flag_of("not-an-id") is None
    assert flag_of(f"{PATIENT_ID}-lupus") is None
    assert flag_of(f"{PATIENT_ID}-lupus-evidence", evidence=True) is None


def test_config_is_checked() -> None:
    for bad in ("treatment-records.example/fhir", "https://tr.example/fhir/"):
        with pytest.raises(ValueError, match="base_url"):
            FhirConfig(base_url=bad)
    with pytest.raises(ValueError, match="mrn_system"):
        FhirConfig(mrn_system="")
    config = FhirConfig(base_url="https://h.example/fhir")
    assert config.code_system("flag") == "https://h.example/fhir/CodeSystem/flag"
    assert config.extension("criterion") == "https://h.example/fhir/StructureDefinition/criterion"


def test_instants() -> None:
    assert instant("2016-05-10T08:00:00+00:00") == "2016-05-10T08:00:00Z"
    assert instant("2016-05-10T09:00:00.250000+01:00") == "2016-05-10T09:00:00.250000+01:00"
    assert instant(datetime(2016, 5, 10, 8, tzinfo=UTC)) == "2016-05-10T08:00:00Z"
    offset = timezone(timedelta(hours=-5))
    assert instant(datetime(2016, 5, 10, 3, tzinfo=offset)) == "2016-05-10T03:00:00-05:00"
    with pytest.raises(ValueError, match="offset"):
        instant("2016-05-10T08:00:00")
