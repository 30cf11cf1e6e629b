"""Synthetic demo patients, one for each state the service reports, dated back from the day
they are loaded (so "ongoing" stays ongoing). Bodies are shaped exactly like the POSTs.

- DEMO-0001: refractory, then about 23 months of sustained remission on IV tocilizumab
  (like the first of the seed's two women); one infusion given late.
- DEMO-0002: refractory, then about 11 months of sustained remission on IV tocilizumab (the
  second woman); one infusion with a dose out of range.
- DEMO-0003: steroid-dependent (prednisone 10 mg/day for over a year), active disease.
- DEMO-0004: remission on tocilizumab for over a year, then lost two months ago.
- DEMO-0005: insufficient data (a visit, no laboratory results).
- DEMO-0006: a tocilizumab safety alert (neutrophils 0.8 x 10^9/L last week).
"""

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

PREFIX = "DEMO-"
Body = dict[str, Any]


@dataclass
class DemoPatient:
    patient: Body
    regimens: list[Body] = field(default_factory=list)
    infusions: list[tuple[int, Body]] = field(default_factory=list)  # (regimen index, body)
    labs: list[Body] = field(default_factory=list)
    assessments: list[Body] = field(default_factory=list)


def _at(day: date, hour: int) -> str:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC).isoformat()


def _regimen(
    drug: str,
    route: str,
    dose: tuple[float, str],
    interval: int | None,
    start: date,
    end: date | None = None,
    reason: str | None = None,
) -> Body:
    return {
        "drug": drug,
        "route": route,
        "dose": {"value": dose[0], "unit": dose[1]},
        "interval_days": interval,
        "start_date": start.isoformat(),
        "end_date": end.isoformat() if end else None,
        "discontinuation_reason": reason,
    }


ACTIVE = {"esr": 48, "crp": 3.1, "dsdna": "positive", "tender": 8, "swollen": 5, "pd": "positive"}
CALM = {"esr": 14, "crp": 0.2, "dsdna": "negative", "tender": 0, "swollen": 0, "pd": "negative"}
Phase = Callable[[date], dict[str, Any]]


def _visits(made: DemoPatient, first: date, last: date, every: int, phase: Phase) -> None:
    """A visit every `every` days: ESR, CRP, anti-dsDNA and an assessment, as `phase` says."""
    day = first
    jitter = random.Random(made.patient["mrn"])  # the same values on every load
    while day <= last:
        state = phase(day)
        esr = round(state["esr"] * jitter.uniform(0.7, 1.3))
        crp = round(state["crp"] * jitter.uniform(0.6, 1.4), 2)
        made.labs += [
            {"test": "esr", "value": esr, "unit": "mm/h", "collected_at": _at(day, 8)},
            {
                "test": "crp",
                "value": crp,
                "unit": "mg/dL",
                "reference_range": {"low": None, "high": 0.5},
                "collected_at": _at(day, 8),
            },
            {"test": "anti_dsdna", "value_text": state["dsdna"], "collected_at": _at(day, 8)},
        ]
        made.assessments.append(
            {
                "assessed_at": _at(day, 9),
                "tender_joints_28": state["tender"],
                "swollen_joints_28": state["swollen"],
                "power_doppler": state["pd"],
                "patient_global": 60 if state["tender"] else 10,
                "evaluator_global": 50 if state["swollen"] else 5,
                "weight_kg": state.get("weight", 62),
            }
        )
        day += timedelta(days=every)


def _infusions(
    made: DemoPatient,
    regimen: int,
    first: date,
    last: date,
    dose_mg: float,
    weight: float,
    odd: dict[int, dict[str, Any]] | None = None,
) -> None:
    """Every 28 days; `odd` changes the n-th one (a gap before it, another dose)."""
    day, number = first, 0
    while day <= last:
        change = (odd or {}).get(number, {})
        day += timedelta(days=change.get("late_by", 0))
        body = {
            "administered_at": _at(day, 10),
            "dose_mg": change.get("dose_mg", dose_mg),
            "weight_kg": weight,
            "status": "completed",
            "external_id": f"{made.patient['mrn']}-ADM-{number:03d}",
        }
        made.infusions.append((regimen, body))
        day += timedelta(days=28)
        number += 1


def _refractory_then_tocilizumab(
    mrn: str, birth: str, today: date, start_days_ago: int, remission_after: int, weight: float
) -> DemoPatient:
    start = today - timedelta(days=start_days_ago)
    made = DemoPatient({"mrn": mrn, "sex": "female", "birth_date": birth})
    made.regimens += [
        _regimen(
            "methotrexate",
            "oral",
            (15, "mg"),
            7,
            start - timedelta(days=2600),
            start - timedelta(days=1900),
            "inefficacy",
        ),
        _regimen(
            "adalimumab",
            "sc",
            (40, "mg"),
            14,
            start - timedelta(days=1880),
            start - timedelta(days=1100),
            "inefficacy",
        ),
        _regimen(
            "abatacept",
            "sc",
            (125, "mg"),
            7,
            start - timedelta(days=1080),
            start - timedelta(days=30),
            "adverse_event",
        ),
        _regimen(
            "prednisone",
            "oral",
            (10, "mg/day"),
            None,
            start - timedelta(days=900),
            start + timedelta(days=remission_after + 60),
            "remission",
        ),
        _regimen("tocilizumab", "iv", (8, "mg/kg"), 28, start),
    ]
    calm_from = start + timedelta(days=remission_after)
    _visits(
        made,
        start - timedelta(days=240),
        today - timedelta(days=7),
        56,
        lambda day: {**(CALM if day >= calm_from else ACTIVE), "weight": weight},
    )
    return made


def demo_patients(today: date) -> list[DemoPatient]:
    """The demo's patients as of the day they are loaded."""
    first = _refractory_then_tocilizumab("DEMO-0001", "1957-03-01", today, 850, 120, 62)
    _infusions(
        first,
        4,
        today - timedelta(days=820),
        today - timedelta(days=5),
        496,
        62,
        {9: {"late_by": 16}},
    )
    second = _refractory_then_tocilizumab("DEMO-0002", "1963-09-15", today, 480, 140, 70)
    _infusions(
        second,
        4,
        today - timedelta(days=480),
        today - timedelta(days=5),
        560,
        70,
        {6: {"dose_mg": 800}},
    )
    return [
        first,
        second,
        _steroid_dependent(today),
        _lost_remission(today),
        _insufficient_data(today),
        _safety_alert(today),
    ]


def _steroid_dependent(today: date) -> DemoPatient:
    start = today - timedelta(days=420)
    made = DemoPatient({"mrn": "DEMO-0003", "sex": "male", "birth_date": "1970-06-20"})
    made.regimens += [
        _regimen("prednisone", "oral", (10, "mg/day"), None, start),
        _regimen("methotrexate", "oral", (20, "mg"), 7, start),
    ]
    _visits(made, start, today - timedelta(days=10), 60, lambda day: {**ACTIVE, "weight": 81})
    return made


def _lost_remission(today: date) -> DemoPatient:
    start = today - timedelta(days=700)
    made = DemoPatient({"mrn": "DEMO-0004", "sex": "female", "birth_date": "1975-01-12"})
    made.regimens += [
        _regimen(
            "methotrexate",
            "oral",
            (15, "mg"),
            7,
            start - timedelta(days=900),
            start - timedelta(days=20),
            "inefficacy",
        ),
        _regimen("tocilizumab", "iv", (8, "mg/kg"), 28, start),
    ]
    calm_from, flare_from = start + timedelta(days=150), today - timedelta(days=60)
    _visits(
        made,
        start - timedelta(days=60),
        today - timedelta(days=3),
        45,
        lambda day: {**(CALM if calm_from <= day < flare_from else ACTIVE), "weight": 58},
    )
    _infusions(made, 1, start, today - timedelta(days=5), 464, 58)
    return made


def _insufficient_data(today: date) -> DemoPatient:
    made = DemoPatient({"mrn": "DEMO-0005", "sex": "female", "birth_date": "1990-11-02"})
    made.regimens.append(
        _regimen("hydroxychloroquine", "oral", (400, "mg/day"), None, today - timedelta(days=200))
    )
    day = today - timedelta(days=30)
    made.assessments.append(
        {"assessed_at": _at(day, 9), "tender_joints_28": 0, "swollen_joints_28": 0}
    )
    return made


def _safety_alert(today: date) -> DemoPatient:
    start = today - timedelta(days=300)
    made = DemoPatient({"mrn": "DEMO-0006", "sex": "male", "birth_date": "1958-04-30"})
    made.regimens.append(_regimen("tocilizumab", "sc", (162, "mg"), 7, start))
    calm_from = start + timedelta(days=100)
    _visits(
        made,
        start - timedelta(days=120),
        today - timedelta(days=8),
        60,
        lambda day: {**(CALM if day >= calm_from else ACTIVE), "weight": 77},
    )
    made.labs.append(
        {
            "test": "neutrophils",
            "value": 0.8,
            "unit": "10*9/L",
            "collected_at": _at(today - timedelta(days=7), 8),
        }
    )
    return made
