"""The dose in force on a day (clinical-rules.md, second edition, "Dose changes over time").

A regimen's dose changes are dated events, not edits: the dose in force on a day is the
latest change effective on or before it, else the regimen's starting dose; a change that
omits the interval keeps the one in force. Changes entered in error are ignored; two
changes on one date (the service refuses them) resolve to the later one given. Every
rule that reads a dose (dose_check, interval_check, the daily steroid dose, the status
history) reads it here, so an escalation never rewrites the checks of earlier infusions.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from app.rules.exact import exact
from app.rules.inputs import Regimen


@dataclass(frozen=True)
class Dose:
    """A dose in force: `value` exact, `unit` 'mg', 'mg/kg', 'mg/m2' or 'mg/day', from
    `effective_date`; `change_id` names the dose change (None: the starting dose)."""

    value: Decimal
    unit: str
    interval_days: int | None
    effective_date: date
    change_id: str | None = None


def doses(regimen: Regimen) -> list[Dose]:
    """The starting dose, then each change in effective order, intervals carried forward."""
    current = Dose(
        exact(regimen.dose_value), regimen.dose_unit, regimen.interval_days, regimen.start_date
    )
    changes = sorted(
        (c for c in regimen.dose_changes if not c.entered_in_error),
        key=lambda c: c.effective_date,
    )
    result = [current]
    for change in changes:
        interval = current.interval_days if change.interval_days is None else change.interval_days
        current = Dose(
            exact(change.dose_value), change.dose_unit, interval, change.effective_date, change.id
        )
        result.append(current)
    return result


def dose_on(regimen: Regimen, day: date) -> Dose:
    """The latest change effective on or before `day`, else the starting dose (also before
    the start date: callers ask about days inside the regimen)."""
    starting, *changes = doses(regimen)
    in_force = starting
    for change in changes:
        if change.effective_date > day:
            break
        in_force = change
    return in_force


def current_dose(regimen: Regimen, day: date) -> Dose | None:
    """The dose in force on `day` (e.g. today in the clinical time zone); None when the
    regimen is not running that day (ended, or not started yet)."""
    return dose_on(regimen, day) if regimen.active_on(day) else None


def dose_spans(regimen: Regimen) -> list[tuple[date, Dose]]:
    """(first day, dose) of each stretch of the regimen with one dose, in order: the first
    from the start date (a change dated before it included), each next one from its
    effective date until the next first day, the last until the end date. Changes after
    the end date never take effect."""
    spans = {regimen.start_date: dose_on(regimen, regimen.start_date)}
    for dose in doses(regimen)[1:]:
        started = dose.effective_date > regimen.start_date
        if started and (regimen.end_date is None or dose.effective_date <= regimen.end_date):
            spans[dose.effective_date] = dose  # same date: the later one given wins
    return list(spans.items())
