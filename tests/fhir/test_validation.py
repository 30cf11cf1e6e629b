"""The validator the other tests rely on refuses what R4 refuses."""

from typing import Any

import pytest
from pydantic import ValidationError

from .validation import assert_valid

GOOD: dict[str, Any] = {
    "resourceType": "Observation",
    "id": "a-1",
    "status": "final",
    "code": {"text": "x"},
    "subject": {"reference": "Patient/p-1"},
    "valueQuantity": {"value": 1, "system": "http://unitsofmeasure.org", "code": "mg"},
}


def test_a_good_resource_passes() -> None:
    assert_valid(GOOD)


@pytest.mark.parametrize(
    "bad",
    [
        {**GOOD, "status": "done"},
        {**GOOD, "id": "x" * 65},
        {**GOOD, "identifier": []},
        {**GOOD, "code": {"text": ""}},
        {**GOOD, "subject": {"reference": "patient-1"}},
        {**GOOD, "subject": {"reference": "Spaceship/1"}},
        {**GOOD, "valueQuantity": {"value": 1, "system": "http://unitsofmeasure.org",
                                   "code": "IU/mL"}},
        {**GOOD, "valueQuantity": {"value": 1, "comparator": "ad"}},
        {**GOOD, "contained": [{**GOOD, "id": "w"}]},
        {**GOOD, "hasMember": [{"reference": "#w"}]},
        {**GOOD, "category": [{"coding": [{"code": "vital-signs"}]}]},
        {"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "oops"}]},
        {"resourceType": "Bundle", "type": "pile"},
    ],
)  # fmt: skip
def test_bad_resources_fail(bad: dict[str, Any]) -> None:
    with pytest.raises((AssertionError, ValidationError)):
        assert_valid(bad)


def test_the_r4b_model_runs() -> None:
    with pytest.raises(ValidationError):
        assert_valid({**GOOD, "unknownElement": 1})


def test_contained_resources_keep_dom_rules() -> None:
    inner = {**GOOD, "id": "w", "meta": {"versionId": "1"}}
    with pytest.raises(AssertionError):
        assert_valid({**GOOD, "contained": [inner], "hasMember": [{"reference": "#w"}]})
    assert_valid({**GOOD, "contained": [{**GOOD, "id": "w"}], "hasMember": [{"reference": "#w"}]})
