"""Patient, Condition, MedicationRequest and MedicationAdministration from our read JSON."""

from typing import Any

import pytest

from app.fhir.config import FhirConfig
from app.fhir.medication import dose_periods, medication_administration, medication_request
from app.fhir.patient import condition_resources, patient_resource

from .records import PATIENT_ID, TODAY, infusions, patient, regimens, rid
from .validation import assert_valid

CONFIG = FhirConfig(mrn_system="urn:oid:1.2.3.4.5", tenancy=True)
BASE = CONFIG.base_url


def by_id(records: list[dict[str, Any]], name: str) -> dict[str, Any]:
    return next(r for r in records if r["id"] == rid(name))


def test_patient() -> None:
    resource = patient_resource(patient(), CONFIG)

    assert_valid(resource)
    assert resource["id"] == PATIENT_ID
    assert resource["meta"] == {"versionId": "2", "lastUpdated": "2016-05-10T10:00:00Z"}
    assert resource["identifier"][0]["system"] == "urn:oid:1.2.3.4.5"
    assert resource["identifier"][0]["value"] == "TO-0001"
    assert (resource["gender"], resource["birthDate"]) == ("female", "1957-03-01")
    assert resource["name"] == [{"use": "official", "family": "Rossi", "given": ["Ada Maria"]}]
    assert resource["active"] is True
    assert resource["managingOrganization"]["identifier"] == {
        "system": f"{BASE}/NamingSystem/organization",
        "value": "clinic-a",
    }


def test_patient_without_tenancy_name_or_family() -> None:
    plain = patient_resource(patient(given_name=None, family_name=None), FhirConfig())
    given_only = patient_resource(patient(family_name=None), FhirConfig())

    for resource in (plain, given_only):
        assert_valid(resource)
        assert "managingOrganization" not in resource
    assert "name" not in plain
    assert given_only["name"] == [{"use": "official", "given": ["Ada Maria"]}]


def test_patient_entered_in_error_is_inactive() -> None:
    resource = patient_resource(patient(entered_in_error=True), CONFIG)

    assert_valid(resource)
    assert resource["active"] is False


def test_conditions() -> None:
    conditions = condition_resources(patient(), CONFIG)

    for condition in conditions:
        assert_valid(condition)
        assert condition["subject"] == {"reference": f"Patient/{PATIENT_ID}"}
        assert condition["clinicalStatus"]["coding"][0]["code"] == "active"
    assert [c["id"] for c in conditions] == [f"{PATIENT_ID}-condition-{n}" for n in (1, 2, 3)]
    icd = conditions[0]["code"]["coding"][0]
    assert icd == {"system": "http://hl7.org/fhir/sid/icd-10", "code": "M06.9"}
    assert conditions[0]["onsetDateTime"] == "2002-04-01"
    assert conditions[2]["code"] == {"text": "local RHUPUS"}
    assert "onsetDateTime" not in conditions[2]


def test_conditions_of_a_patient_entered_in_error() -> None:
    conditions = condition_resources(patient(entered_in_error=True), CONFIG)

    for condition in conditions:
        assert_valid(condition)
        assert "clinicalStatus" not in condition
        assert condition["verificationStatus"]["coding"][0]["code"] == "entered-in-error"


@pytest.mark.parametrize("regimen", regimens(), ids=lambda r: r["drug"])
def test_every_regimen_validates(regimen: dict[str, Any]) -> None:
    resource = medication_request(regimen, CONFIG, today=TODAY)

    assert_valid(resource)
    assert resource["id"] == regimen["id"]
    assert resource["intent"] == "order"
    assert resource["subject"] == {"reference": f"Patient/{PATIENT_ID}"}
    assert resource["authoredOn"] == "2016-01-10T09:15:02.123456Z"


def test_regimen_statuses() -> None:
    status = {r["drug"]: medication_request(r, CONFIG, today=TODAY)["status"] for r in regimens()}

    assert status["methotrexate"] == "stopped"
    assert status["prednisone"] == "active"
    assert status["tocilizumab"] == "active"  # ends after today
    assert status["rituximab"] == "entered-in-error"


def test_medication_codes() -> None:
    resource = medication_request(by_id(regimens(), "toci"), CONFIG, today=TODAY)

    assert resource["medicationCodeableConcept"] == {
        "coding": [
            {"system": "http://www.whocc.no/atc", "code": "L04AC07"},
            {"system": f"{BASE}/CodeSystem/drug", "code": "tocilizumab"},
        ],
        "text": "tocilizumab",
    }
    assert resource["identifier"] == [
        {"system": f"{BASE}/NamingSystem/external-id", "value": "ORD-2016-TCZ"}
    ]


def test_drug_outside_the_catalogue_keeps_only_our_code() -> None:
    unknown = {**by_id(regimens(), "mtx"), "drug": "not-a-catalogue-drug", "route": "nasal"}
    resource = medication_request(unknown, CONFIG, today=TODAY)

    assert_valid(resource)
    codings = resource["medicationCodeableConcept"]["coding"]
    assert [c["system"] for c in codings] == [f"{BASE}/CodeSystem/drug"]
    route = resource["dosageInstruction"][0]["route"]["coding"]
    assert [c["system"] for c in route] == [f"{BASE}/CodeSystem/route"]


def test_discontinuation_reason() -> None:
    resource = medication_request(by_id(regimens(), "aba"), CONFIG, today=TODAY)

    assert resource["statusReason"] == {
        "coding": [
            {
                "system": f"{BASE}/CodeSystem/discontinuation-reason",
                "code": "adverse_event",
                "display": "Adverse event",
            }
        ],
        "text": "Adverse event",
    }
    live = medication_request(by_id(regimens(), "toci"), CONFIG, today=TODAY)
    assert "statusReason" not in live


def test_one_dosage_instruction_per_dose_period() -> None:
    resource = medication_request(by_id(regimens(), "pred"), CONFIG, today=TODAY)

    dosages = resource["dosageInstruction"]
    assert [d["sequence"] for d in dosages] == [1, 2, 3]
    bounds = [d["timing"]["repeat"]["boundsPeriod"] for d in dosages]
    assert bounds == [
        {"start": "2010-01-01", "end": "2016-02-29"},
        {"start": "2016-03-01", "end": "2016-05-31"},
        {"start": "2016-06-01"},
    ]  # the change entered in error (20 mg/day from 2016-04-01) is left out
    doses = [d["doseAndRate"][0]["doseQuantity"] for d in dosages]
    assert [(q["value"], q["code"], q["unit"]) for q in doses] == [
        (10, "mg/d", "mg/day"),
        (7.5, "mg/d", "mg/day"),
        (5, "mg/d", "mg/day"),
    ]
    assert "frequency" not in dosages[0]["timing"]["repeat"]  # no interval recorded
    assert dosages[0]["route"]["coding"][0] == {
        "system": "http://snomed.info/sct",
        "code": "26643006",
        "display": "Oral route",
    }


def test_dose_change_keeps_the_interval_in_force_and_ends_with_the_regimen() -> None:
    resource = medication_request(by_id(regimens(), "toci"), CONFIG, today=TODAY)

    repeats = [d["timing"]["repeat"] for d in resource["dosageInstruction"]]
    assert repeats == [
        {
            "boundsPeriod": {"start": "2016-01-10", "end": "2016-03-05"},
            "frequency": 1,
            "period": 28,
            "periodUnit": "d",
        },
        {
            "boundsPeriod": {"start": "2016-03-06", "end": "2019-01-09"},
            "frequency": 1,
            "period": 28,
            "periodUnit": "d",
        },
    ]
    assert resource["dosageInstruction"][1]["text"] == "8 mg/kg every 28 days"


def test_change_on_the_start_date_replaces_the_starting_dose() -> None:
    base = by_id(regimens(), "ada")
    changes = [{"effective_date": "2009-01-01", "dose": {"value": 80, "unit": "mg"},
                "interval_days": 7, "entered_in_error": False}]  # fmt: skip
    periods = dose_periods({**base, "dose_changes": changes})

    assert [(p.start.isoformat(), p.dose["value"], p.interval_days) for p in periods] == [
        ("2009-01-01", 80, 7)
    ]


def test_mg_per_m2() -> None:
    resource = medication_request(by_id(regimens(), "cyc"), CONFIG, today=TODAY)

    dose = resource["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]
    assert (dose["code"], dose["system"]) == ("mg/m2", "http://unitsofmeasure.org")


@pytest.mark.parametrize("infusion", infusions(), ids=lambda i: i["administered_at"])
def test_every_infusion_validates(infusion: dict[str, Any]) -> None:
    resource = medication_administration(infusion, by_id(regimens(), "toci"), CONFIG)

    assert_valid(resource)
    assert resource["request"] == {"reference": f"MedicationRequest/{rid('toci')}"}
    assert resource["dosage"]["dose"]["code"] == "mg"
    assert resource["dosage"]["route"]["coding"][0]["code"] == "47625008"


def test_infusion_status_weight_and_checks() -> None:
    toci = by_id(regimens(), "toci")
    first, interrupted, cancelled, wrong = (
        medication_administration(i, toci, CONFIG) for i in infusions()
    )

    statuses = [r["status"] for r in (first, interrupted, cancelled, wrong)]
    assert statuses == ["completed", "stopped", "not-done", "entered-in-error"]
    weight = first["contained"][0]
    assert first["supportingInformation"] == [{"reference": "#weight"}]
    assert weight["code"]["coding"][0]["code"] == "29463-7"
    assert weight["valueQuantity"]["code"] == "kg"
    assert weight["valueQuantity"]["value"] == 62
    assert "contained" not in cancelled
    assert first["identifier"][0]["value"] == "ADM-2016-0207-01"
    assert "identifier" not in interrupted
    dose_check, interval_check = interrupted["extension"]
    assert dose_check == {
        "url": f"{BASE}/StructureDefinition/dose-check",
        "extension": [
            {"url": "status", "valueCode": "ok"},
            {
                "url": "expected",
                "valueQuantity": {
                    "value": 500.0,
                    "unit": "mg",
                    "system": "http://unitsofmeasure.org",
                    "code": "mg",
                },
            },
            {"url": "deviationPercent", "valueDecimal": -0.8},
        ],
    }
    assert interval_check == {
        "url": f"{BASE}/StructureDefinition/interval-check",
        "extension": [
            {"url": "status", "valueCode": "on_time"},
            {"url": "daysSincePrevious", "valueInteger": 28},
        ],
    }
    assert cancelled["extension"][0]["extension"] == [{"url": "status", "valueCode": "unknown"}]


def test_infusion_without_checks() -> None:
    bare = {**infusions()[0], "dose_check": None}
    del bare["interval_check"]
    resource = medication_administration(bare, by_id(regimens(), "toci"), CONFIG)

    assert_valid(resource)
    assert "extension" not in resource
