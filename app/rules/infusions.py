"""Checks returned with every infusion: was it the right dose, at the right time?

Dose (tocilizumab SmPC: 8 mg/kg IV every 4 weeks, at most 800 mg per infusion):
expected mg = dose x body weight for a mg/kg regimen (the infusion's own weight,
else the latest weight assessed in the 30 days before), capped at the drug's
per-infusion maximum; the dose itself for a mg regimen. `ok` within 10 % of the
expected dose and not above the maximum.

Interval: days since the previous completed infusion of the same regimen; more than
7 days early or late is flagged.
"""

from collections.abc import Iterable

from app.rules.dates import clinical_date, instant, within
from app.rules.inputs import Assessment, Infusion, Regimen
from app.rules.outcomes import DoseCheck, DoseStatus, IntervalCheck, IntervalStatus
from app.rules.settings import RuleSettings


def body_weight_kg(
    infusion: Infusion, assessments: Iterable[Assessment], settings: RuleSettings
) -> float | None:
    """The infusion's weight, else the latest assessed weight in the 30 days before it."""
    if infusion.weight_kg is not None:
        return infusion.weight_kg
    tz = settings.clinical_timezone
    day = clinical_date(infusion.administered_at, tz)
    weighed = [
        a
        for a in assessments
        if a.weight_kg is not None
        and not a.entered_in_error
        and within(clinical_date(a.assessed_at, tz), day, settings.dose_weight_lookback_days)
    ]
    latest = max(weighed, key=lambda a: (instant(a.assessed_at), a.recorded_seq), default=None)
    return None if latest is None else latest.weight_kg


def expected_mg(
    regimen: Regimen, infusion: Infusion, assessments: Iterable[Assessment], settings: RuleSettings
) -> float | None:
    """The dose the regimen prescribes for this infusion, in mg; None when unknown."""
    if regimen.dose_unit == "mg":
        return regimen.dose_value
    if regimen.dose_unit != "mg/kg":
        return None
    weight = body_weight_kg(infusion, assessments, settings)
    if weight is None:
        return None
    maximum = regimen.drug.max_mg_per_infusion
    dose = regimen.dose_value * weight
    return dose if maximum is None else min(dose, maximum)


def check_dose(
    regimen: Regimen, infusion: Infusion, assessments: Iterable[Assessment], settings: RuleSettings
) -> DoseCheck:
    """`ok` when |given - expected| <= 10 % of expected (setting) and the given dose is
    not above the drug's per-infusion maximum; `unknown` when no weight is known.
    deviation_pct = (given - expected) / expected x 100."""
    expected = expected_mg(regimen, infusion, assessments, settings)
    if expected is None or expected <= 0:
        return DoseCheck("unknown", expected, None)
    deviation = (infusion.dose_mg - expected) / expected * 100
    maximum = regimen.drug.max_mg_per_infusion
    # Rounded so that float noise cannot push an exact 10 % deviation out of range.
    within_tolerance = round(abs(deviation), 6) <= settings.dose_tolerance_pct
    above_maximum = maximum is not None and infusion.dose_mg > maximum
    status: DoseStatus = "ok" if within_tolerance and not above_maximum else "out_of_range"
    return DoseCheck(status, round(expected, 2), round(deviation, 2))


def check_interval(
    infusion: Infusion,
    regimen_infusions: Iterable[Infusion],
    interval_days: int | None,
    settings: RuleSettings,
) -> IntervalCheck:
    """Days since the previous completed infusion of the same regimen: `first`, `early`
    (< interval - 7 days), `late` (> interval + 7 days), else `on_time`; `unknown`
    when the regimen has no interval. `regimen_infusions` may include `infusion`."""
    before = [
        other
        for other in regimen_infusions
        if other.regimen_id == infusion.regimen_id
        and other.id != infusion.id
        and other.status == "completed"
        and not other.entered_in_error
        and instant(other.administered_at) < instant(infusion.administered_at)
    ]
    if not before:
        return IntervalCheck("first", None)
    previous = max(before, key=lambda other: instant(other.administered_at))
    tz = settings.clinical_timezone
    days = (
        clinical_date(infusion.administered_at, tz) - clinical_date(previous.administered_at, tz)
    ).days
    return IntervalCheck(_interval_status(days, interval_days, settings), days)


def _interval_status(
    days: int, interval_days: int | None, settings: RuleSettings
) -> IntervalStatus:
    if interval_days is None:
        return "unknown"
    if days < interval_days - settings.interval_tolerance_days:
        return "early"
    if days > interval_days + settings.interval_tolerance_days:
        return "late"
    return "on_time"
