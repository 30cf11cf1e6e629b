"""One example of each request body: the OpenAPI document shows these, and the tests'
factories and the benchmarks build their bodies from them."""

from typing import Any

PATIENT: dict[str, Any] = {
    "mrn": "TO-0001",
    "sex": "female",
    "birth_date": "1957-03-01",
    "diagnoses": [{"system": "icd10", "code": "M06.9", "onset_date": "2002-04-01"}],
}
REGIMEN: dict[str, Any] = {
    "drug": "tocilizumab",
    "dose": {"value": 8, "unit": "mg/kg"},
    "route": "iv",
    "interval_days": 28,
    "start_date": "2016-01-10",
    "end_date": None,
    "discontinuation_reason": None,
}
DOSE_CHANGE: dict[str, Any] = {
    "effective_date": "2016-03-06",
    "dose": {"value": 8, "unit": "mg/kg"},
    "interval_days": 28,
}
INFUSION: dict[str, Any] = {
    "administered_at": "2016-02-07T09:30:00+01:00",
    "dose_mg": 496,
    "weight_kg": 62,
    "status": "completed",
    "external_id": "ADM-2016-0207-01",
}
LAB_RESULT: dict[str, Any] = {
    "test": "crp",
    "value": 0.3,
    "unit": "mg/dL",
    "reference_range": {"low": None, "high": 0.5},
    "collected_at": "2016-05-10T08:00:00Z",
    "external_id": "LAB-778812",
}
QUALITATIVE_LAB_RESULT: dict[str, Any] = {
    "loinc": "5130-0",
    "value_text": "negative",
    "collected_at": "2016-05-10T08:00:00Z",
}
ASSESSMENT: dict[str, Any] = {
    "assessed_at": "2016-05-10T09:00:00Z",
    "tender_joints_28": 0,
    "swollen_joints_28": 0,
    "power_doppler": "negative",
    "patient_global": 10,
    "evaluator_global": 5,
    "weight_kg": 62,
}
SUBSCRIPTION: dict[str, Any] = {
    "url": "https://ehr.example/hooks/tr",
    "events": ["status.changed"],
    "organizations": ["default"],
    "active": True,
}
