"""Body weight and surface area for weight- and surface-based doses (mg/kg, mg/m2).

Weight: the infusion's own, else the latest weight assessed in the 30 days up to the
infusion's day (setting). Height: the latest height assessed on or before that day (an
adult's height does not go stale). Body surface area by Mosteller (N Engl J Med
1987;317:1098): sqrt(height cm x weight kg / 3600) m2.
"""

from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal

from app.rules.dates import clinical_date, instant, within
from app.rules.exact import Number, exact
from app.rules.inputs import Assessment, Infusion
from app.rules.settings import RuleSettings

MOSTELLER_DIVISOR = Decimal(3600)


def _latest(
    assessments: Iterable[Assessment],
    measure: Callable[[Assessment], Number | None],
    counts: Callable[[date], bool],
    settings: RuleSettings,
) -> Decimal | None:
    tz = settings.clinical_timezone
    measured = [
        a
        for a in assessments
        if measure(a) is not None
        and not a.entered_in_error
        and counts(clinical_date(a.assessed_at, tz))
    ]
    latest = max(measured, key=lambda a: (instant(a.assessed_at), a.recorded_seq), default=None)
    found = None if latest is None else measure(latest)
    return None if found is None else exact(found)


def body_weight_kg(
    infusion: Infusion, assessments: Iterable[Assessment], settings: RuleSettings
) -> Decimal | None:
    """The infusion's weight, else the latest assessed weight in the 30 days up to it."""
    if infusion.weight_kg is not None:
        return exact(infusion.weight_kg)
    day = clinical_date(infusion.administered_at, settings.clinical_timezone)
    lookback = settings.dose_weight_lookback_days
    return _latest(
        assessments, lambda a: a.weight_kg, lambda seen: within(seen, day, lookback), settings
    )


def height_cm(
    infusion: Infusion, assessments: Iterable[Assessment], settings: RuleSettings
) -> Decimal | None:
    """The latest height assessed on or before the infusion's day."""
    day = clinical_date(infusion.administered_at, settings.clinical_timezone)
    return _latest(assessments, lambda a: a.height_cm, lambda seen: seen <= day, settings)


def mosteller_bsa_m2(height: Decimal, weight: Decimal) -> Decimal:
    """sqrt(height cm x weight kg / 3600), in m2, to 28 significant digits (not rounded:
    the dose check compares the exact product)."""
    return (height * weight / MOSTELLER_DIVISOR).sqrt()


def body_surface_area_m2(
    infusion: Infusion, assessments: Iterable[Assessment], settings: RuleSettings
) -> Decimal | None:
    """Mosteller BSA from the latest height and the weight the dose check uses; None
    without either."""
    weight = body_weight_kg(infusion, assessments, settings)
    height = height_cm(infusion, assessments, settings)
    if weight is None or height is None:
        return None
    return mosteller_bsa_m2(height, weight)
