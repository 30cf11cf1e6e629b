"""Checks returned with every infusion: was it the right dose, at the right time?

Dose (tocilizumab SmPC: 8 mg/kg IV every 4 weeks, at most 800 mg per infusion): the
dose in force on the infusion's day (`doses.dose_on`, so an escalation never rewrites
the checks of earlier infusions); expected mg = dose x body weight for mg/kg (see
`body`), dose x Mosteller body surface area for mg/m2, capped at the drug's
per-infusion maximum; the dose itself for mg. `ok` when |given - expected| <= 10 % of
expected, exactly (a dose exactly 10 % off is ok), and not above the maximum.

Interval: days since the previous completed infusion of the same regimen, against the
interval in force on the infusion's day; more than 7 days early or late is flagged.
"""

from collections.abc import Iterable
from decimal import Decimal

from app.rules.body import body_surface_area_m2, body_weight_kg
from app.rules.dates import clinical_date, instant
from app.rules.doses import dose_on
from app.rules.exact import exact, optional, reported
from app.rules.inputs import Assessment, Infusion, Regimen
from app.rules.outcomes import DoseCheck, DoseStatus, IntervalCheck, IntervalStatus
from app.rules.settings import RuleSettings

HUNDRED = Decimal(100)


def expected_mg(
    regimen: Regimen, infusion: Infusion, assessments: Iterable[Assessment], settings: RuleSettings
) -> Decimal | None:
    """The dose in force on the infusion's day, in mg; None when it cannot be known (no
    weight, no height for mg/m2, or a unit that is not per infusion)."""
    dose = dose_on(regimen, clinical_date(infusion.administered_at, settings.clinical_timezone))
    if dose.unit == "mg":
        return dose.value
    if dose.unit == "mg/kg":
        per = body_weight_kg(infusion, assessments, settings)
    elif dose.unit == "mg/m2":
        per = body_surface_area_m2(infusion, assessments, settings)
    else:
        return None
    if per is None:
        return None
    maximum = optional(regimen.drug.max_mg_per_infusion)
    amount = dose.value * per
    return amount if maximum is None else min(amount, maximum)


def check_dose(
    regimen: Regimen, infusion: Infusion, assessments: Iterable[Assessment], settings: RuleSettings
) -> DoseCheck:
    """`ok` when |given - expected| <= 10 % of expected (setting) and the given dose is
    not above the drug's per-infusion maximum; `unknown` when the expected dose is not.
    deviation_pct = (given - expected) / expected x 100, reported to 2 decimals."""
    expected = expected_mg(regimen, infusion, assessments, settings)
    if expected is None or expected <= 0:
        return DoseCheck("unknown", None if expected is None else reported(expected), None)
    given = exact(infusion.dose_mg)
    # Multiplied out instead of divided, so the comparison stays exact.
    tolerance = exact(settings.dose_tolerance_pct) * expected
    within_tolerance = abs(given - expected) * HUNDRED <= tolerance
    maximum = optional(regimen.drug.max_mg_per_infusion)
    above_maximum = maximum is not None and given > maximum
    status: DoseStatus = "ok" if within_tolerance and not above_maximum else "out_of_range"
    deviation = (given - expected) * HUNDRED / expected
    return DoseCheck(status, reported(expected), reported(deviation))


def interval_in_force(regimen: Regimen, infusion: Infusion, settings: RuleSettings) -> int | None:
    """The regimen's interval in force on the infusion's day (dose changes included)."""
    day = clinical_date(infusion.administered_at, settings.clinical_timezone)
    return dose_on(regimen, day).interval_days


def check_interval(
    infusion: Infusion,
    regimen_infusions: Iterable[Infusion],
    interval_days: int | Regimen | None,
    settings: RuleSettings,
) -> IntervalCheck:
    """Days since the previous completed infusion of the same regimen: `first`, `early`
    (< interval - 7 days), `late` (> interval + 7 days), else `on_time`; `unknown`
    when there is no interval. Pass the regimen as `interval_days` to use the interval
    in force on the infusion's day. `regimen_infusions` may include `infusion`."""
    if isinstance(interval_days, Regimen):
        interval_days = interval_in_force(interval_days, infusion, settings)
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
