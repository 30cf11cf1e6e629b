"""Lab Observations and assessment panels with their items, from our read JSON."""

from decimal import Decimal
from typing import Any

import pytest

from app.catalog import lab_tests
from app.fhir.assessment import ITEMS, assessment_item, assessment_observations
from app.fhir.config import FhirConfig
from app.fhir.ids import ASSESSMENT_ITEMS
from app.fhir.labs import lab_observation, ucum_code

from .records import FULL_VISIT, PATIENT_ID, assessments, labs, rid
from .validation import assert_valid

CONFIG = FhirConfig()
BASE = CONFIG.base_url
UCUM = "http://unitsofmeasure.org"


def lab_named(name: str) -> dict[str, Any]:
    return next(r for r in labs() if r["id"] == rid(name))


def visit(name: str) -> dict[str, Any]:
    return next(r for r in assessments() if r["id"] == rid(name))


@pytest.mark.parametrize("lab", labs(), ids=lambda r: r["test"] + str(r["value"]))
@pytest.mark.parametrize("corrected", [False, True])
def test_every_lab_validates(lab: dict[str, Any], corrected: bool) -> None:
    resource = lab_observation(lab, CONFIG, corrected=corrected)

    assert_valid(resource)
    assert resource["category"][0]["coding"][0]["code"] == "laboratory"
    assert resource["code"]["coding"][0] == {"system": "http://loinc.org", "code": lab["loinc"]}
    assert resource["code"]["text"] == lab_tests()[lab["test"]].name
    assert resource["subject"] == {"reference": f"Patient/{PATIENT_ID}"}


def test_lab_status() -> None:
    assert lab_observation(lab_named("crp"), CONFIG)["status"] == "final"
    assert lab_observation(lab_named("crp"), CONFIG, corrected=True)["status"] == "corrected"
    wrong = lab_observation(lab_named("esr-wrong"), CONFIG, corrected=True)
    assert wrong["status"] == "entered-in-error"


def test_numeric_lab() -> None:
    resource = lab_observation(lab_named("crp"), CONFIG)

    assert resource["meta"] == {"versionId": "2", "lastUpdated": "2016-05-10T10:00:00Z"}
    assert resource["effectiveDateTime"] == "2016-05-10T08:00:00Z"
    assert resource["valueQuantity"] == {"value": 0.3, "unit": "mg/dL", "system": UCUM,
                                         "code": "mg/dL"}  # fmt: skip
    assert resource["referenceRange"] == [
        {"high": {"value": 0.5, "unit": "mg/dL", "system": UCUM, "code": "mg/dL"}}
    ]
    assert resource["identifier"] == [
        {"system": f"{BASE}/NamingSystem/external-id", "value": "LAB-778812"}
    ]
    assert "identifier" not in lab_observation(lab_named("dsdna-neg"), CONFIG)


def test_censored_lab_has_a_comparator_and_a_full_range() -> None:
    resource = lab_observation(lab_named("crp-censored"), CONFIG)

    assert resource["valueQuantity"]["comparator"] == "<"
    assert resource["effectiveDateTime"] == "2016-08-01T07:45:00Z"
    assert set(resource["referenceRange"][0]) == {"low", "high"}
    assert resource["referenceRange"][0]["low"]["value"] == 0


def test_units_are_ucum_codes() -> None:
    numeric = lab_observation(lab_named("dsdna-num"), CONFIG)["valueQuantity"]
    folded = lab_observation(lab_named("alt-case"), CONFIG)["valueQuantity"]

    assert (numeric["code"], numeric["unit"]) == ("[iU]/mL", "IU/mL")
    assert (folded["code"], folded["unit"]) == ("U/L", "u/l")
    assert ucum_code("mystery", None) == "mystery"  # no catalogue entry: kept as stored
    assert ucum_code("IU/mL", lab_tests()["anti_dsdna"]) == "[iU]/mL"


@pytest.mark.parametrize(
    ("name", "coding"),
    [
        ("dsdna-neg", {"system": "http://snomed.info/sct", "code": "260385009",
                       "display": "Negative"}),
        ("dsdna-pos", {"system": "http://snomed.info/sct", "code": "10828004",
                       "display": "Positive"}),
        ("dsdna-border", {"system": f"{BASE}/CodeSystem/qualitative-result",
                          "code": "borderline", "display": "Borderline"}),
    ],
)  # fmt: skip
def test_qualitative_lab(name: str, coding: dict[str, str]) -> None:
    resource = lab_observation(lab_named(name), CONFIG)

    assert resource["valueCodeableConcept"]["coding"] == [coding]
    assert "valueQuantity" not in resource
    assert "referenceRange" not in resource


def test_lab_without_a_value_has_none() -> None:
    resource = lab_observation({**lab_named("esr"), "value": None}, CONFIG)

    assert_valid(resource)
    assert not {"valueQuantity", "valueCodeableConcept"} & set(resource)


@pytest.mark.parametrize("record", assessments(), ids=lambda r: r["assessed_at"])
def test_every_assessment_observation_validates(record: dict[str, Any]) -> None:
    for resource in assessment_observations(record, CONFIG):
        assert_valid(resource)
        assert resource["subject"] == {"reference": f"Patient/{PATIENT_ID}"}
        assert resource["effectiveDateTime"] == record["assessed_at"]
        assert resource["meta"]["versionId"] == str(record["version"])


def test_full_assessment_panel_and_items() -> None:
    panel, *items = assessment_observations(visit("visit"), CONFIG)
    aid = rid("visit")

    assert panel["id"] == aid
    assert panel["code"]["coding"][0]["system"] == f"{BASE}/CodeSystem/assessment"
    assert panel["category"][0]["coding"][0]["code"] == "exam"
    assert panel["identifier"][0]["value"] == "ENC-2016-05-10"
    suffixes = list(ASSESSMENT_ITEMS)
    assert [i["id"] for i in items] == [f"{aid}-{s}" for s in suffixes]
    assert panel["hasMember"] == [{"reference": f"Observation/{aid}-{s}"} for s in suffixes]
    assert all(len(i["id"]) <= 64 for i in items)
    values = {i["id"].removeprefix(aid + "-"): i for i in items}
    assert values["tender-joints-28"]["valueInteger"] == 0
    assert values["tender-joints-28"]["code"]["coding"][0]["code"] == "88981-6"
    assert values["swollen-joints-28"]["code"]["coding"][0]["code"] == "88980-8"
    assert values["swollen-joints-28"]["valueInteger"] == 1
    assert values["patient-global"]["code"]["coding"][0]["code"] == "75894-6"
    assert values["patient-global"]["valueQuantity"]["value"] == 3.33
    assert values["evaluator-global"]["code"]["coding"][0]["code"] == "75846-6"
    assert values["evaluator-global"]["valueQuantity"]["value"] == 0.5
    doppler = values["power-doppler"]
    assert doppler["code"]["coding"][0]["system"] == f"{BASE}/CodeSystem/assessment"
    assert doppler["valueCodeableConcept"]["coding"][0]["code"] == "260385009"
    assert all(values[k]["category"][0]["coding"][0]["code"] == "exam" for k in suffixes[:5])


@pytest.mark.parametrize(
    ("suffix", "loinc", "unit", "profile"),
    [
        ("weight", "29463-7", "kg", "http://hl7.org/fhir/StructureDefinition/bodyweight"),
        ("height", "8302-2", "cm", "http://hl7.org/fhir/StructureDefinition/bodyheight"),
    ],
)
def test_weight_and_height_are_vital_signs(
    suffix: str, loinc: str, unit: str, profile: str
) -> None:
    items = assessment_observations(visit("visit"), CONFIG)[1:]
    item = next(i for i in items if i["id"].endswith(f"-{suffix}"))

    assert item["meta"]["profile"] == [profile]
    assert item["category"][0]["coding"][0]["code"] == "vital-signs"
    assert item["code"]["coding"][0] == {"system": "http://loinc.org", "code": loinc}
    assert item["valueQuantity"]["code"] == unit
    assert item["valueQuantity"]["system"] == UCUM


def test_globals_are_exact_tenths() -> None:
    for mm in (0, 7, 10, 33.3, 55.5, 99.9, 100):
        record = {**visit("visit"), "patient_global": mm}
        item = assessment_item(record, "patient_global", CONFIG)
        assert item is not None
        assert Decimal(str(item["valueQuantity"]["value"])) == Decimal(str(mm)) / 10


def test_partial_and_empty_assessments() -> None:
    weigh_in = assessment_observations(visit("weigh-in"), CONFIG)
    empty = assessment_observations(visit("empty"), CONFIG)
    wrong = assessment_observations(visit("visit-wrong"), CONFIG)

    assert [r["id"] for r in weigh_in] == [rid("weigh-in"), f"{rid('weigh-in')}-weight"]
    assert len(empty) == 1
    assert "hasMember" not in empty[0]
    assert {r["status"] for r in wrong} == {"entered-in-error"}


def test_assessment_item_by_field() -> None:
    record = visit("weigh-in")

    assert (
        assessment_item(record, "weight_kg", CONFIG) == assessment_observations(record, CONFIG)[1]
    )
    assert assessment_item(record, "height_cm", CONFIG) is None
    assert assessment_item(record, "not_a_field", CONFIG) is None


def test_item_suffixes_name_every_item() -> None:
    assert set(ASSESSMENT_ITEMS.values()) == set(ITEMS) == set(FULL_VISIT)


def test_lab_of_a_test_no_longer_in_the_catalogue() -> None:
    legacy = {**lab_named("esr"), "test": "legacy_rf", "loinc": "11572-5", "unit": "[IU]/mL"}
    resource = lab_observation(legacy, CONFIG)

    assert_valid(resource)
    assert resource["code"]["text"] == "legacy_rf"
    assert resource["valueQuantity"]["code"] == "[IU]/mL"
