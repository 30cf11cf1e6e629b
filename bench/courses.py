"""Plausible treatment courses for the seed: deterministic from a patient number."""

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

END = date(2026, 10, 31)
CONVENTIONAL = [
    ("methotrexate", "oral", 15, "mg", 7),
    ("hydroxychloroquine", "oral", 400, "mg/day", None),
    ("leflunomide", "oral", 20, "mg/day", None),
    ("sulfasalazine", "oral", 2000, "mg/day", None),
]
ADVANCED = [
    ("adalimumab", "sc", 40, "mg", 14),
    ("etanercept", "sc", 50, "mg", 7),
    ("abatacept", "sc", 125, "mg", 7),
    ("rituximab", "iv", 1000, "mg", 180),
    ("baricitinib", "oral", 4, "mg/day", None),
]
REASONS = ["inefficacy", "intolerance", "adverse_event", "patient_choice", None]


@dataclass
class Course:
    patient: dict[str, Any]
    regimens: list[dict[str, Any]] = field(default_factory=list)
    infusions: list[dict[str, Any]] = field(default_factory=list)  # for the last regimen
    labs: list[dict[str, Any]] = field(default_factory=list)
    assessments: list[dict[str, Any]] = field(default_factory=list)


def at(day: date, hour: int) -> str:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC).isoformat()


def course(number: int, long_history_every: int = 100) -> Course:
    rnd = random.Random(number)
    years = 20 if number % long_history_every == 0 else rnd.choice([1, 1, 2, 2, 3, 5])
    start = END - timedelta(days=365 * years)
    sex = rnd.choice(["female", "female", "female", "male"])
    birth = date(rnd.randint(1940, 1995), rnd.randint(1, 12), rnd.randint(1, 28))
    made = Course({"mrn": f"SEED-{number:06d}", "sex": sex, "birth_date": birth.isoformat()})
    day = start
    for drug, route, dose, unit, interval in rnd.sample(CONVENTIONAL, 2) + rnd.sample(ADVANCED, 1):
        ended = day + timedelta(days=rnd.randint(60, 240))
        reason = rnd.choice(REASONS)
        made.regimens.append(
            {
                "drug": drug,
                "route": route,
                "dose": {"value": dose, "unit": unit},
                "interval_days": interval,
                "start_date": start.isoformat(),
                "end_date": ended.isoformat(),
                "discontinuation_reason": reason,
            }
        )
    iv = rnd.random() < 0.5
    made.regimens.append(
        {
            "drug": "tocilizumab",
            "route": "iv" if iv else "sc",
            "dose": {"value": 8 if iv else 162, "unit": "mg/kg" if iv else "mg"},
            "interval_days": 28 if iv else 7,
            "start_date": start.isoformat(),
        }
    )
    weight = round(rnd.uniform(48, 95), 1)
    while iv and day < END:
        made.infusions.append(
            {
                "administered_at": at(day, 10),
                "dose_mg": min(800, 8 * weight),
                "weight_kg": weight,
                "status": "completed",
                "external_id": f"ADM-{number}-{day.isoformat()}",
            }
        )
        day += timedelta(days=28 + rnd.randint(-3, 5))
    _labs_and_visits(made, rnd, start, weight)
    return made


def _labs_and_visits(made: Course, rnd: random.Random, start: date, weight: float) -> None:
    day = start
    while day < END:
        when = at(day, 8)
        made.labs += [
            {
                "test": "crp",
                "value": round(rnd.uniform(0.05, 2.5), 2),
                "unit": "mg/dL",
                "reference_range": {"low": None, "high": 0.5},
                "collected_at": when,
            },
            {"test": "esr", "value": rnd.randint(2, 60), "unit": "mm/h", "collected_at": when},
            {
                "test": "anti_dsdna",
                "value_text": rnd.choice(["negative", "negative", "positive"]),
                "collected_at": when,
            },
            {
                "test": "neutrophils",
                "value": round(rnd.uniform(0.4, 6), 2),
                "unit": "10*9/L",
                "collected_at": when,
            },
        ]
        made.assessments.append(
            {
                "assessed_at": at(day, 9),
                "tender_joints_28": rnd.choice([0, 0, 1, 3, 6]),
                "swollen_joints_28": rnd.choice([0, 0, 0, 2, 4]),
                "power_doppler": rnd.choice(["negative", "negative", "positive"]),
                "patient_global": rnd.randint(0, 80),
                "evaluator_global": rnd.randint(0, 70),
                "weight_kg": weight,
            }
        )
        day += timedelta(days=rnd.choice([30, 45, 60, 90]))
