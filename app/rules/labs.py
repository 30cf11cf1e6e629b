"""Reading lab results: exact canonical values, and "latest" the way the spec picks it.

`to_canonical` is the one unit conversion of the service: the loaders convert a value and
its reference limit with it (catalogue factors, passed in), so a value at its own limit
stays exactly at it (0.57 mg/dL with a high of 0.57 mg/dL is 5.7 <= 5.7 mg/L).
"""

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

from app.rules.dates import clinical_date, instant
from app.rules.exact import COMPARATORS, Number, Reading, exact
from app.rules.inputs import LabResult

# The units the rules' thresholds are stated in (ESR limits in mm/h, CRP 5 mg/L, the
# tocilizumab safety limits in 10*9/L and U/L): they must be the catalogue's canonical
# units, which tests/unit/rules/test_catalogue.py checks against app/catalog.
RULE_UNITS = {
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
# An anti-dsDNA titer (LOINC 11013-0) is never converted into [iU]/mL: it is read only
# against its own reference range (above the range: positive; within it: negative).
TITER_UNIT = "{titer}"
TITER_TESTS = frozenset({"anti_dsdna"})


def to_canonical(value: Number, factor: Number) -> Decimal:
    """`value` x `factor` exactly, both read as the decimals they were written as (a
    stored double 0.57 is 0.57). Use it for a result's value and for its reference limit."""
    return exact(value) * exact(factor)


def _unit(lab: LabResult) -> str | None:
    """The unit a numeric result is read in; None when the rules cannot read it."""
    expected = RULE_UNITS.get(lab.test)
    unit = lab.canonical_unit
    if unit is None or unit == expected:
        return expected
    if unit == TITER_UNIT and lab.test in TITER_TESTS:
        return unit
    return None


def reading(lab: LabResult) -> Reading | None:
    """The numeric result in the rules' unit, censored or not; None when there is no
    number, it is in a unit the rules do not read, or its comparator is unknown."""
    unit = _unit(lab)
    comparator = lab.comparator
    if lab.canonical_value is None or unit is None:
        return None
    if comparator is not None and comparator not in COMPARATORS:
        return None
    return Reading(exact(lab.canonical_value), comparator, unit)


def numeric_value(lab: LabResult) -> Decimal | None:
    """The exact value in the rules' unit; None when absent, censored or unreadable (a
    score needs the number itself)."""
    found = reading(lab)
    return None if found is None or found.censored else found.value


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
