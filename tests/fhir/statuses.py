"""The status JSON (GET /v1/patients/{id}/status) and status history of the patient in
records.py, in every flag state."""

from typing import Any

from .records import PATIENT_ID, Json, rid


def _criterion(name: str, status: str, **over: Any) -> Json:
    fields: Json = {
        "value": None,
        "limit": None,
        "unit": None,
        "source_id": None,
        "observed_at": None,
    }
    return {"name": name, "status": status, **fields, **over}


def status(remission: str = "insufficient_data") -> Json:
    """Refractory met, steroid dependence not met, remission as asked (met: since a date)."""
    met = remission == "met"
    return {
        "patient_id": PATIENT_ID,
        "as_of": "2016-06-15",
        "rules_version": "2026.2",
        "settings": {"remission_window_days": 90},
        "refractory": {
            "status": "met",
            "summary": "1 conventional drug(s) and 2 advanced mechanism(s) failed",
            "criteria": [
                _criterion("conventional_failures", "met", value=2, limit=1),
                _criterion("advanced_mechanisms_failed", "met", value=2, limit=2),
            ],
            "evidence": {
                "failed_regimens": [
                    {
                        "id": rid(n),
                        "drug": d,
                        "drug_class": "x",
                        "mechanism": "y",
                        "reason": "inefficacy",
                        "end_date": "2008-03-01",
                    }
                    for n, d in (
                        ("mtx", "methotrexate"),
                        ("ada", "adalimumab"),
                        ("aba", "abatacept"),
                    )
                ],
                "conventional_failures": 2,
                "advanced_mechanisms_failed": 2,
                "unrecorded_reason_regimen_ids": [rid("cyc")],
            },
        },
        "steroid_dependent": {
            "status": "not_met",
            "summary": "5.0 mg/day on 2016-06-15",
            "criteria": [
                _criterion(
                    "dose_at_or_above_threshold", "not_met", value=5.0, limit=7.5, unit="mg/day"
                ),
                _criterion("days_at_or_above_threshold", "not_met", unit="days", limit=180),
            ],
            "evidence": {
                "regimens": [{"id": rid("pred"), "drug": "prednisone"}],
                "current_dose_mg_per_day": 5.0,
                "run_start": None,
            },
        },
        "remission": {
            "status": remission,
            "summary": "In complete clinical remission since 2016-05-10"
            if met
            else "Insufficient data for remission: power_doppler_negative unknown",
            "criteria": [
                _criterion(
                    "esr_normal",
                    "met",
                    value=30.0,
                    limit=34.5,
                    unit="mm/h",
                    source_id=rid("esr"),
                    observed_at="2016-05-10T08:00:00Z",
                ),
                _criterion(
                    "crp_normal",
                    "met",
                    value=3.0,
                    limit=5.0,
                    unit="mg/L",
                    source_id=rid("crp"),
                    observed_at="2016-05-10T08:00:00Z",
                ),
                _criterion(
                    "anti_dsdna_negative",
                    "met",
                    value="negative",
                    source_id=rid("dsdna-neg"),
                    observed_at="2016-05-10T08:00:00Z",
                ),
                _criterion(
                    "no_swollen_joints",
                    "met",
                    value=0,
                    limit=0,
                    source_id=rid("visit"),
                    observed_at="2016-05-10T09:00:00Z",
                ),
                _criterion(
                    "no_tender_joints",
                    "met",
                    value=0,
                    limit=0,
                    source_id=rid("visit"),
                    observed_at="2016-05-10T09:00:00Z",
                ),
                _criterion(
                    "power_doppler_negative",
                    "met" if met else "insufficient_data",
                    value="negative" if met else None,
                    source_id=rid("visit") if met else None,
                    observed_at="2016-05-10" if met else None,
                ),
            ],
            "evidence": {"window_days": 90, "window_start": "2016-03-17"},
            "since": "2016-05-10" if met else None,
            "duration_days": 36 if met else None,
            "sustained": False,
            "caveats": [],
        },
        "disease_activity": {"assessment_id": None, "assessed_at": None, "scores": []},
        "safety_alerts": [],
        "remission_definitions": {
            name: {
                "status": "insufficient_data",
                "value": None,
                "criteria": [],
                "assessment_id": None,
                "source_ids": [],
            }
            for name in ("boolean_2011", "boolean_2022", "sdai", "cdai")
        },
    }


def status_history() -> list[Json]:
    return [
        {"flag": "refractory", "from": None, "to": "not_met", "effective_date": "2005-01-10"},
        {"flag": "refractory", "from": "not_met", "to": "met", "effective_date": "2011-06-01"},
        {"flag": "refractory", "from": "met", "to": "not_met", "effective_date": "2012-01-01"},
        {"flag": "refractory", "from": "not_met", "to": "met", "effective_date": "2014-01-01"},
        {"flag": "refractory", "from": "met", "to": "not_met", "effective_date": "2016-12-01"},
        {"flag": "refractory", "from": "not_met", "to": "met", "effective_date": "2017-01-01"},
        {"flag": "remission", "from": None, "to": "met", "effective_date": "2016-05-10"},
    ]
