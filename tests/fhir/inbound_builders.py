"""FHIR resources as an integration engine would post them, and the stored read they become."""

from datetime import UTC, datetime
from typing import Any

from app.catalog import lab_tests_by_loinc
from app.fhir.parsing import Inbound

from .records import PATIENT_ID, rid

Json = dict[str, Any]
UCUM = "http://unitsofmeasure.org"
SNOMED = "http://snomed.info/sct"


def lab_observation_in(**over: Any) -> Json:
    """A CRP result from a laboratory system, collected at 09:00 Rome time."""
    return {
        "resourceType": "Observation",
        "status": "final",
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                        "code": "laboratory",
                    }
                ]
            }
        ],
        "code": {
            "coding": [
                {"system": "http://acme-lab.example/codes", "code": "CRP"},
                {"system": "http://loinc.org", "code": "1988-5"},
            ],
            "text": "CRP",
        },
        "subject": {"reference": f"Patient/{PATIENT_ID}"},
        "effectiveDateTime": "2016-05-10T09:00:00+01:00",
        "valueQuantity": {"value": 0.3, "unit": "mg/dL", "system": UCUM, "code": "mg/dL"},
        "referenceRange": [
            {"high": {"value": 0.5, "unit": "mg/dL", "system": UCUM, "code": "mg/dL"}}
        ],
        "identifier": [{"system": "http://acme-lab.example/accession", "value": "LAB-778812"}],
        **over,
    }


def qualitative_in(value_system: str, value_code: str, **over: Any) -> Json:
    """An anti-dsDNA screening result coded as `value_system` | `value_code`."""
    observation = lab_observation_in()
    observation["code"] = {"coding": [{"system": "http://loinc.org", "code": "5130-0"}]}
    del observation["valueQuantity"], observation["referenceRange"]
    value = {"coding": [{"system": value_system, "code": value_code}]}
    return {**observation, "valueCodeableConcept": value, **over}


def administration_in(**over: Any) -> Json:
    """A tocilizumab infusion from the day-hospital's administration record."""
    return {
        "resourceType": "MedicationAdministration",
        "identifier": [{"system": "http://dh.example/adm", "value": "ADM-2016-0207-01"}],
        "status": "completed",
        "medicationCodeableConcept": {
            "coding": [{"system": "http://www.whocc.no/atc", "code": "L04AC07"}],
            "text": "RoActemra 20 mg/mL",
        },
        "subject": {"reference": f"Patient/{PATIENT_ID}"},
        "effectiveDateTime": "2016-02-07T09:30:00+01:00",
        "request": {"reference": f"MedicationRequest/{rid('toci')}"},
        "contained": [
            {
                "resourceType": "Observation",
                "id": "w1",
                "status": "final",
                "code": {"coding": [{"system": "http://loinc.org", "code": "29463-7"}]},
                "valueQuantity": {"value": 62, "unit": "kg", "system": UCUM, "code": "kg"},
            }
        ],
        "supportingInformation": [{"reference": "#w1"}],
        "dosage": {
            "route": {"text": "IV"},
            "dose": {"value": 496, "unit": "mg", "system": UCUM, "code": "mg"},
        },
        **over,
    }


def patient_in(mrn_system: str, **over: Any) -> Json:
    return {
        "resourceType": "Patient",
        "identifier": [
            {"system": "http://national.example/id", "value": "NAT-123"},
            {"system": mrn_system, "value": "TO-0001"},
        ],
        "name": [
            {"use": "maiden", "family": "Bianchi"},
            {"use": "official", "family": "Rossi", "given": ["Ada", "Maria"]},
        ],
        "gender": "female",
        "birthDate": "1957-03-01",
        **over,
    }


def _utc(text: str) -> str:
    return datetime.fromisoformat(text).astimezone(UTC).isoformat().replace("+00:00", "Z")


def _stored(name: str, version: int = 1) -> Json:
    return {
        "id": rid(name),
        "version": version,
        "created_at": "2016-05-10T10:00:00Z",
        "updated_at": "2016-05-10T10:00:00Z",
        "entered_in_error": False,
    }


def stored_lab(inbound: Inbound) -> Json:
    """What GET /v1/lab-results/{id} answers after the body was posted (UTC times)."""
    body = inbound.body
    test = lab_tests_by_loinc()[body["loinc"]]
    return {
        **_stored("posted-lab"),
        "patient_id": PATIENT_ID,
        "test": test.key,
        "value": body.get("value"),
        "unit": body.get("unit"),
        "comparator": body.get("comparator"),
        "value_text": body.get("value_text"),
        "reference_range": body.get("reference_range"),
        "canonical_value": None,
        "canonical_unit": None,
        **{k: v for k, v in body.items() if k in ("loinc", "external_id")},
        "collected_at": _utc(body["collected_at"]),
    }


def stored_infusion(inbound: Inbound) -> Json:
    body = inbound.body
    return {
        **_stored("posted-infusion"),
        "patient_id": PATIENT_ID,
        "regimen_id": inbound.regimen.id if inbound.regimen else None,
        "weight_kg": None,
        "external_id": None,
        **body,
        "administered_at": _utc(body["administered_at"]),
        "dose_check": {"status": "ok", "expected_mg": 496.0, "deviation_pct": 0.0},
        "interval_check": {"status": "first", "days_since_previous": None},
    }


def stored_patient(inbound: Inbound) -> Json:
    body = inbound.body
    return {
        **_stored("posted-patient"),
        "given_name": None,
        "family_name": None,
        "diagnoses": [],
        **body,
    }


def transaction_entry(resource: Json, full_url: str, url: str, **request: str) -> Json:
    """One POST of a transaction Bundle (`request`: e.g. ifNoneExist)."""
    return {
        "fullUrl": full_url,
        "resource": resource,
        "request": {"method": "POST", "url": url, **request},
    }


def transaction(*entries: Json) -> Json:
    return {"resourceType": "Bundle", "type": "transaction", "entry": list(entries)}
