"""A realistic patient as our /v1 read JSON: every record kind, entered-in-error records,
dose changes, censored and qualitative labs, the v1.1 fields (its status: statuses.py)."""

import uuid
from datetime import date
from typing import Any

Json = dict[str, Any]
TODAY = date(2018, 1, 15)
NAMESPACE = uuid.UUID("4f1c2d9e-6b0a-4c55-9a7e-1d2e3f405162")


def rid(name: str) -> str:
    """A stable record id per name, so expected references read like the fixture."""
    return str(uuid.uuid5(NAMESPACE, name))


PATIENT_ID = rid("patient")


def _record(name: str, version: int = 1, **fields: Any) -> Json:
    return {
        "id": rid(name),
        "version": version,
        "created_at": "2016-01-10T09:15:02.123456Z",
        "updated_at": "2016-05-10T10:00:00Z",
        "entered_in_error": False,
        **fields,
    }


def patient(**over: Any) -> Json:
    return {
        **_record("patient", version=2),
        "mrn": "TO-0001",
        "sex": "female",
        "birth_date": "1957-03-01",
        "given_name": "Ada Maria",
        "family_name": "Rossi",
        "organization": "clinic-a",
        "diagnoses": [
            {"system": "icd10", "code": "M06.9", "onset_date": "2002-04-01"},
            {"system": "icd10", "code": "M32.1", "onset_date": "2004-06-01"},
            {"system": "local", "code": "RHUPUS", "onset_date": None},
        ],
        **over,
    }


def regimen(name: str, drug: str, dose: tuple[float, str], route: str, **over: Any) -> Json:
    fields: Json = {
        "patient_id": PATIENT_ID,
        "drug": drug,
        "dose": {"value": dose[0], "unit": dose[1]},
        "current_dose": {"value": dose[0], "unit": dose[1]},
        "route": route,
        "interval_days": None,
        "start_date": "2016-01-10",
        "end_date": None,
        "discontinuation_reason": None,
        "external_id": None,
        "dose_changes": [],
    }
    return _record(name, **{**fields, **over})


def dose_change(name: str, effective: str, dose: tuple[float, str], **over: Any) -> Json:
    fields = {"effective_date": effective, "dose": {"value": dose[0], "unit": dose[1]}}
    return _record(name, **{**fields, "interval_days": None, **over})


def regimens() -> list[Json]:
    ended = {"start_date": "2002-05-01", "end_date": "2008-03-01"}
    return [
        regimen("mtx", "methotrexate", (15, "mg"), "oral", interval_days=7, **ended,
                discontinuation_reason="inefficacy"),
        regimen("hcq", "hydroxychloroquine", (400, "mg/day"), "oral", start_date="2002-05-01",
                end_date="2005-01-10", discontinuation_reason="intolerance"),
        regimen("ada", "adalimumab", (40, "mg"), "sc", interval_days=14, start_date="2009-01-01",
                end_date="2011-06-01", discontinuation_reason="inefficacy"),
        regimen("aba", "abatacept", (125, "mg"), "sc", interval_days=7, start_date="2011-07-01",
                end_date="2014-01-01", discontinuation_reason="adverse_event"),
        regimen("cyc", "cyclophosphamide", (500, "mg/m2"), "iv", interval_days=28,
                start_date="2015-01-01", end_date="2015-06-30", discontinuation_reason=None),
        regimen("tri", "triamcinolone", (40, "mg"), "intra_articular", start_date="2015-02-01",
                end_date="2015-02-01"),
        regimen("pred", "prednisone", (10, "mg/day"), "oral", start_date="2010-01-01",
                current_dose={"value": 5, "unit": "mg/day"}, dose_changes=[
                    dose_change("pred-1", "2016-06-01", (5, "mg/day")),
                    dose_change("pred-x", "2016-04-01", (20, "mg/day"), entered_in_error=True),
                    dose_change("pred-0", "2016-03-01", (7.5, "mg/day")),
                ]),
        regimen("toci", "tocilizumab", (4, "mg/kg"), "iv", interval_days=28,
                external_id="ORD-2016-TCZ", current_dose={"value": 8, "unit": "mg/kg"},
                end_date="2019-01-09", dose_changes=[
                    dose_change("toci-1", "2016-03-06", (8, "mg/kg")),
                ]),
        regimen("rtx", "rituximab", (1000, "mg"), "iv", interval_days=14, entered_in_error=True,
                version=2),
    ]  # fmt: skip


def infusion(name: str, when: str, dose_mg: float, **over: Any) -> Json:
    fields = {
        "patient_id": PATIENT_ID,
        "regimen_id": rid("toci"),
        "administered_at": when,
        "dose_mg": dose_mg,
        "weight_kg": 62,
        "status": "completed",
        "external_id": None,
        "dose_check": {"status": "ok", "expected_mg": 248.0, "deviation_pct": 0.0},
        "interval_check": {"status": "first", "days_since_previous": None},
    }
    return _record(name, **{**fields, **over})


def infusions() -> list[Json]:
    return [
        infusion("inf-1", "2016-02-07T08:30:00Z", 248, external_id="ADM-2016-0207-01"),
        infusion("inf-2", "2016-03-06T08:30:00Z", 496, status="interrupted", weight_kg=62.5,
                 dose_check={"status": "ok", "expected_mg": 500.0, "deviation_pct": -0.8},
                 interval_check={"status": "on_time", "days_since_previous": 28}),
        infusion("inf-3", "2016-04-03T08:30:00Z", 496, status="cancelled", weight_kg=None,
                 dose_check={"status": "unknown", "expected_mg": None, "deviation_pct": None},
                 interval_check={"status": "unknown", "days_since_previous": None}),
        infusion("inf-4", "2016-05-01T08:30:00Z", 900, entered_in_error=True, version=2,
                 dose_check={"status": "out_of_range", "expected_mg": 496.0,
                             "deviation_pct": 81.45},
                 interval_check={"status": "late", "days_since_previous": 56}),
    ]  # fmt: skip


def lab(name: str, test: str, loinc: str, **over: Any) -> Json:
    fields = {
        "patient_id": PATIENT_ID,
        "test": test,
        "loinc": loinc,
        "value": None,
        "unit": None,
        "comparator": None,
        "value_text": None,
        "reference_range": None,
        "canonical_value": None,
        "canonical_unit": None,
        "collected_at": "2016-05-10T08:00:00Z",
        "external_id": None,
    }
    return _record(name, **{**fields, **over})


def labs() -> list[Json]:
    return [
        lab("esr", "esr", "4537-7", value=30, unit="mm/h", canonical_value=30,
            canonical_unit="mm/h", external_id="LAB-778811"),
        lab("crp", "crp", "1988-5", value=0.3, unit="mg/dL", canonical_value=3,
            canonical_unit="mg/L", reference_range={"low": None, "high": 0.5},
            external_id="LAB-778812", version=2),
        lab("crp-censored", "crp", "1988-5", value=0.5, unit="mg/dL", comparator="<",
            canonical_value=5, canonical_unit="mg/L", reference_range={"low": 0, "high": 0.5},
            collected_at="2016-08-01T07:45:00+00:00"),
        lab("dsdna-neg", "anti_dsdna", "5130-0", value_text="negative"),
        lab("dsdna-pos", "anti_dsdna", "5130-0", value_text="positive",
            collected_at="2015-11-02T08:00:00Z"),
        lab("dsdna-border", "anti_dsdna", "5130-0", value_text="borderline",
            collected_at="2015-12-01T08:00:00Z"),
        lab("dsdna-num", "anti_dsdna", "5130-0", value=12, unit="IU/mL", canonical_value=12,
            canonical_unit="[iU]/mL", reference_range={"low": None, "high": 30}),
        lab("neut", "neutrophils", "751-8", value=3.1, unit="10*3/uL", canonical_value=3.1,
            canonical_unit="10*9/L", reference_range={"low": 1.8, "high": 7.7}),
        lab("alt-case", "alt", "1742-6", value=21, unit="u/l", canonical_value=21,
            canonical_unit="U/L"),
        lab("esr-wrong", "esr", "4537-7", value=300, unit="mm/h", canonical_value=300,
            canonical_unit="mm/h", entered_in_error=True, version=2),
    ]  # fmt: skip


def assessment(name: str, **over: Any) -> Json:
    fields = {
        "patient_id": PATIENT_ID,
        "assessed_at": "2016-05-10T09:00:00Z",
        "tender_joints_28": None,
        "swollen_joints_28": None,
        "power_doppler": None,
        "patient_global": None,
        "evaluator_global": None,
        "weight_kg": None,
        "height_cm": None,
        "external_id": None,
    }
    return _record(name, **{**fields, **over})


FULL_VISIT = {
    "tender_joints_28": 0,
    "swollen_joints_28": 1,
    "power_doppler": "negative",
    "patient_global": 33.3,
    "evaluator_global": 5,
    "weight_kg": 62.5,
    "height_cm": 164,
}


def assessments() -> list[Json]:
    return [
        assessment("visit", external_id="ENC-2016-05-10", **FULL_VISIT),
        assessment("weigh-in", assessed_at="2016-06-10T09:00:00Z", weight_kg=61),
        assessment("doppler-pos", assessed_at="2015-11-02T09:00:00Z", power_doppler="positive",
                   tender_joints_28=4, swollen_joints_28=2),
        assessment("visit-wrong", entered_in_error=True, version=2, tender_joints_28=28),
        assessment("empty", assessed_at="2016-07-01T09:00:00Z"),
    ]  # fmt: skip
