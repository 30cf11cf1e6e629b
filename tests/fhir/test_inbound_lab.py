"""Posted lab Observations -> our lab-result bodies, round trips, and every refusal."""

from datetime import datetime
from typing import Any

import pytest

from app.catalog import lab_tests_by_loinc
from app.fhir.config import FhirConfig
from app.fhir.errors import FhirError, InvalidResource, MappingError
from app.fhir.inbound_lab import lab_result_from_fhir
from app.fhir.labs import lab_observation
from app.fhir.parsing import Ref
from app.schemas.lab_result import LabResultCreate

from .inbound_builders import SNOMED, UCUM, lab_observation_in, qualitative_in, stored_lab
from .records import PATIENT_ID
from .validation import assert_valid

CONFIG = FhirConfig(mrn_system="urn:oid:1.2.3.4.5")
OURS = f"{CONFIG.base_url}/CodeSystem/qualitative-result"


def clinical(observation: dict[str, Any]) -> dict[str, Any]:
    """What a clinician reads off a lab Observation: test, value, range, time, ids."""
    loinc = [c["code"] for c in observation["code"]["coding"] if c["system"] == "http://loinc.org"]
    value = observation.get("valueQuantity")
    concept = observation.get("valueCodeableConcept")
    ranges = observation.get("referenceRange", [])
    return {
        "loinc": loinc[0],
        "value": value and {k: value.get(k) for k in ("value", "comparator", "system", "code")},
        "coded": concept and {(c["system"], c["code"]) for c in concept["coding"]},
        "range": [{k: q["value"] for k, q in r.items()} for r in ranges],
        "when": datetime.fromisoformat(observation["effectiveDateTime"]),
        "subject": observation["subject"],
        "identifier": [i["value"] for i in observation.get("identifier", [])],
    }  # fmt: skip


def round_trip(posted: dict[str, Any]) -> dict[str, Any]:
    inbound = lab_result_from_fhir(posted, CONFIG)
    read_back = lab_observation(stored_lab(inbound), CONFIG)
    assert_valid(read_back)
    return read_back


def test_numeric_result_body() -> None:
    inbound = lab_result_from_fhir(lab_observation_in(), CONFIG)

    assert inbound.resource_type == "Observation"
    assert inbound.patient == Ref("Patient", id=PATIENT_ID)
    assert inbound.body == {
        "loinc": "1988-5",
        "collected_at": "2016-05-10T09:00:00+01:00",
        "value": 0.3,
        "unit": "mg/dL",
        "reference_range": {"low": None, "high": 0.5},
        "external_id": "LAB-778812",
    }
    LabResultCreate.model_validate(inbound.body)  # the /v1 create schema takes it as is


@pytest.mark.parametrize(
    "posted",
    [
        lab_observation_in(),
        lab_observation_in(
            valueQuantity={"value": 5, "comparator": "<", "system": UCUM, "code": "mg/L"},
            referenceRange=[{"low": {"value": 0, "system": UCUM, "code": "mg/L"},
                             "high": {"value": 5, "system": UCUM, "code": "mg/L"}}],
        ),
        lab_observation_in(effectiveInstant="2016-05-10T07:00:00.5Z", effectiveDateTime=None),
        qualitative_in(SNOMED, "260385009"),
        qualitative_in(SNOMED, "10828004"),
        qualitative_in(OURS, "borderline"),
    ],
    ids=["numeric", "censored", "instant", "negative", "positive", "borderline"],
)  # fmt: skip
def test_round_trip_keeps_the_clinical_content(posted: dict[str, Any]) -> None:
    posted = {k: v for k, v in posted.items() if v is not None}
    read_back = round_trip(posted)

    expected = clinical({**posted, "effectiveDateTime": posted.get("effectiveDateTime")
                         or posted["effectiveInstant"]})  # fmt: skip
    assert clinical(read_back) == expected
    assert read_back["status"] == "final"


@pytest.mark.parametrize("loinc", sorted(lab_tests_by_loinc()))
def test_every_catalogue_code_is_accepted(loinc: str) -> None:
    """Every code the catalogue lists (aliases included) names its test."""
    test = lab_tests_by_loinc()[loinc]
    unit = next(iter(test.units))
    posted = lab_observation_in(
        code={"coding": [{"system": "http://loinc.org", "code": loinc}]},
        valueQuantity={"value": 1, "system": UCUM, "code": unit},
        referenceRange=None,
    )
    inbound = lab_result_from_fhir({k: v for k, v in posted.items() if v is not None}, CONFIG)

    assert inbound.body["loinc"] == loinc
    assert inbound.body["unit"] == unit


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ({"reference": "Patient?identifier=urn%3Aoid%3A1.2.3.4.5%7CTO-0001"},
         Ref("Patient", identifier=("urn:oid:1.2.3.4.5", "TO-0001"))),
        ({"reference": "Patient?identifier=TO-0001"}, Ref("Patient", identifier=(None, "TO-0001"))),
        ({"identifier": {"system": "urn:oid:1.2.3.4.5", "value": "TO-0001"}},
         Ref("Patient", identifier=("urn:oid:1.2.3.4.5", "TO-0001"))),
        ({"reference": "urn:uuid:3b8f1c1e-8d52-4c1b-9f0e-2a7d8c6b5e41", "type": "Patient"},
         Ref("Patient", placeholder="urn:uuid:3b8f1c1e-8d52-4c1b-9f0e-2a7d8c6b5e41")),
    ],
)  # fmt: skip
def test_patient_by_mrn_or_transaction_entry(subject: dict[str, Any], expected: Ref) -> None:
    assert lab_result_from_fhir(lab_observation_in(subject=subject), CONFIG).patient == expected


def test_identifier_with_our_system_wins_and_none_is_fine() -> None:
    ours = {"system": CONFIG.identifier_system, "value": "LAB-1"}
    two = lab_observation_in(identifier=[{"system": "http://x.example", "value": "X"}, ours])
    none = lab_observation_in()
    del none["identifier"]

    assert lab_result_from_fhir(two, CONFIG).body["external_id"] == "LAB-1"
    assert "external_id" not in lab_result_from_fhir(none, CONFIG).body


def test_ranges_with_text_only_are_left_aside() -> None:
    posted = lab_observation_in(referenceRange=[{"text": "see report"}])

    assert "reference_range" not in lab_result_from_fhir(posted, CONFIG).body


def test_statuses_amended_and_corrected_are_stored() -> None:
    for status in ("amended", "corrected"):
        assert lab_result_from_fhir(lab_observation_in(status=status), CONFIG).body


def test_synonymous_codings_of_one_test() -> None:
    coding = [{"system": "http://loinc.org", "code": "1988-5"}] * 2
    posted = lab_observation_in(code={"coding": coding})

    assert lab_result_from_fhir(posted, CONFIG).body["loinc"] == "1988-5"


def q(value: float, code: str, **extra: Any) -> dict[str, Any]:
    return {"value": value, "system": UCUM, "code": code, **extra}


REFUSALS = [
    ({"status": "preliminary"}, "Observation.status", "value"),
    ({"code": {"text": "CRP"}}, "Observation.code.coding", "required"),
    ({"code": {"coding": [{"system": "http://loinc.org", "code": "99999-9"}]}},
     "Observation.code.coding[0].code", "code-invalid"),
    ({"code": {"coding": [{"system": "http://loinc.org", "code": "1988-5"},
                          {"system": "http://loinc.org", "code": "4537-7"}]}},
     "Observation.code.coding", "value"),
    ({"valueQuantity": q(3, "mg/dl")}, "Observation.valueQuantity.code", "code-invalid"),
    ({"valueQuantity": q(3, "g/L")}, "Observation.valueQuantity.code", "code-invalid"),
    ({"valueQuantity": {"value": 3, "unit": "mg/L"}}, "Observation.valueQuantity.code",
     "code-invalid"),
    ({"valueQuantity": {"system": UCUM, "code": "mg/L"}}, "Observation.valueQuantity.value",
     "required"),
    ({"valueQuantity": q(3, "mg/dL", comparator="ad")}, "Observation.valueQuantity.comparator",
     "value"),
    ({"valueQuantity": None, "valueString": "0.3"}, "Observation.value[x]", "not-supported"),
    ({"valueQuantity": None}, "Observation.value[x]", "required"),
    ({"referenceRange": [{"high": q(5, "mg/L")}]}, "Observation.referenceRange[0].high.code",
     "value"),
    ({"referenceRange": [{"low": q(0, "mg/dL")}, {"high": q(1, "mg/dL")}]},
     "Observation.referenceRange", "not-supported"),
    ({"effectiveDateTime": "2016-05-10"}, "Observation.effectiveDateTime", "value"),
    ({"effectiveDateTime": None}, "Observation.effectiveDateTime", "required"),
    ({"subject": None}, "Observation.subject", "required"),
    ({"subject": {"reference": "Patient/TO-0001"}}, "Observation.subject.reference", "value"),
    ({"subject": {"reference": "Group/" + PATIENT_ID}}, "Observation.subject.reference", "value"),
    ({"subject": {"reference": f"https://other.example/fhir/Patient/{PATIENT_ID}"}},
     "Observation.subject.reference", "value"),
    ({"subject": {"reference": f"Patient/{PATIENT_ID}", "type": "Group"}},
     "Observation.subject.type", "value"),
    ({"subject": {"identifier": {"system": "http://other.example", "value": "TO-0001"}}},
     "Observation.subject.identifier", "value"),
    ({"subject": {"identifier": {"system": "urn:oid:1.2.3.4.5"}}},
     "Observation.subject.identifier.value", "required"),
    ({"subject": {"reference": "Patient?identifier=|TO-0001"}},
     "Observation.subject.reference", "value"),
    ({"subject": {"reference": "Patient?identifier=TO-0001&active=true"}},
     "Observation.subject.reference", "not-supported"),
    ({"identifier": [{"system": "http://a.example", "value": "A"},
                     {"system": "http://b.example", "value": "B"}]},
     "Observation.identifier", "value"),
]  # fmt: skip


@pytest.mark.parametrize(("change", "expression", "code"), REFUSALS)
def test_refusals_name_the_element(change: dict[str, Any], expression: str, code: str) -> None:
    posted = {k: v for k, v in lab_observation_in(**change).items() if v is not None}
    with pytest.raises(MappingError) as refused:
        lab_result_from_fhir(posted, CONFIG)

    outcome = refused.value.outcome()
    assert_valid(outcome)
    issue = outcome["issue"][0]
    assert issue["expression"] == [expression]
    assert issue["code"] == code
    assert refused.value.status == 422
    assert "TO-0001" not in issue["diagnostics"]
    assert PATIENT_ID not in issue["diagnostics"]


@pytest.mark.parametrize(
    ("posted", "expression"),
    [
        (qualitative_in(SNOMED, "260385009", code={"coding": [{"system": "http://loinc.org",
                                                               "code": "1988-5"}]}),
         "Observation.valueCodeableConcept"),
        (qualitative_in(SNOMED, "42425007"), "Observation.valueCodeableConcept.coding"),
        (qualitative_in(OURS, "weakly-positive"), "Observation.valueCodeableConcept.coding"),
        (qualitative_in(SNOMED, "260385009",
                        referenceRange=[{"high": q(30, "[iU]/mL")}]),
         "Observation.referenceRange"),
    ],
    ids=["numeric-test", "unknown-snomed", "unknown-ours", "with-range"],
)  # fmt: skip
def test_qualitative_refusals(posted: dict[str, Any], expression: str) -> None:
    with pytest.raises(MappingError) as refused:
        lab_result_from_fhir(posted, CONFIG)

    assert refused.value.issues[0].expression == (expression,)


def test_conflicting_qualitative_codings_are_refused() -> None:
    posted = qualitative_in(SNOMED, "260385009")
    posted["valueCodeableConcept"]["coding"].append({"system": SNOMED, "code": "10828004"})

    with pytest.raises(MappingError, match="expected one coding"):
        lab_result_from_fhir(posted, CONFIG)


@pytest.mark.parametrize(
    ("posted", "expression"),
    [
        ([], "Observation"),
        ({"resourceType": "Patient"}, "Observation"),
        (lab_observation_in(resourceType=None), "Observation"),
        (lab_observation_in(valueQuantity={"value": "zero"}), "Observation.valueQuantity.value"),
        (lab_observation_in(madeUp=1), "Observation.madeUp"),
        (lab_observation_in(code=None), "Observation.code"),
        (lab_observation_in(effectiveDateTime="2016-05-10T09:00:00"),
         "Observation.effectiveDateTime"),
    ],
)  # fmt: skip
def test_invalid_fhir_is_a_400_structure_issue(posted: Any, expression: str) -> None:
    if isinstance(posted, dict):
        posted = {k: v for k, v in posted.items() if v is not None}
    with pytest.raises(InvalidResource) as refused:
        lab_result_from_fhir(posted, CONFIG)

    assert refused.value.status == 400
    outcome = refused.value.outcome()
    assert_valid(outcome)
    assert expression in [e for issue in outcome["issue"] for e in issue["expression"]]
    assert {issue["code"] for issue in outcome["issue"]} == {"structure"}


def test_structure_messages_do_not_echo_values() -> None:
    posted = lab_observation_in(effectiveDateTime="1957-13-01T00:00:00+00:00")
    with pytest.raises(FhirError) as refused:
        lab_result_from_fhir(posted, CONFIG)

    assert "1957" not in str(refused.value.outcome())


def test_wrong_resource_type_message() -> None:
    with pytest.raises(InvalidResource) as refused:
        lab_result_from_fhir({**lab_observation_in(), "resourceType": "Patient"}, CONFIG)

    assert refused.value.issues[0].diagnostics == "expected a JSON object of type Observation"
