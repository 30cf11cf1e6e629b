"""Reading lab results: canonical values only, ordered the way the spec picks "latest"."""

from collections.abc import Iterable
from datetime import date, datetime

from app.rules.dates import clinical_date, instant
from app.rules.inputs import LabResult

# Canonical units of the lab test catalogue. The service converts every value (and
# reference high) into these; a value in any other unit is not interpreted.
CANONICAL_UNITS = {
    "esr": "mm/h",
    "crp": "mg/L",
    "anti_dsdna": "[iU]/mL",
    "c3": "mg/dL",
    "c4": "mg/dL",
    "neutrophils": "10*9/L",
    "platelets": "10*9/L",
    "alt": "U/L",
    "ast": "U/L",
}


def numeric_value(lab: LabResult) -> float | None:
    """The value in the canonical unit, or None when absent or in another unit."""
    unit_ok = lab.canonical_unit is None or lab.canonical_unit == CANONICAL_UNITS.get(lab.test)
    return lab.canonical_value if unit_ok else None


def lab_order(lab: LabResult, timezone_name: str) -> tuple[date, datetime, int]:
    """Sort key: date, then time, then insertion order (recorded later wins ties)."""
    return (
        clinical_date(lab.collected_at, timezone_name),
        instant(lab.collected_at),
        lab.recorded_seq,
    )


def latest_lab(
    labs: Iterable[LabResult], test: str, first_day: date, last_day: date, timezone_name: str
) -> LabResult | None:
    """The latest result of `test` collected from `first_day` to `last_day` inclusive."""
    candidates = [
        lab
        for lab in labs
        if lab.test == test
        and first_day <= clinical_date(lab.collected_at, timezone_name) <= last_day
    ]
    return max(candidates, key=lambda lab: lab_order(lab, timezone_name), default=None)
