"""Steroid dependence: inability to taper glucocorticoids below 7.5 mg/day of
prednisone equivalent (EULAR 2021 difficult-to-treat RA, criterion 2a; the 7.5
mg/day bar is the EULAR glucocorticoid-safety "low dose" limit).

Met when the daily prednisone-equivalent dose is >= 7.5 mg/day on `as_of` and on
every one of the 180 days before it. The daily dose is the sum, over systemic
glucocorticoid regimens active that day (start to end date, both included), of the
dose in force that day x prednisone factor; intra-articular and topical regimens do
not count. The dose only changes on a start date, a dose change's effective date or
an end date + 1 day, so the sweep visits those dates once, in order, with exact sums:
each dose and factor is read as the decimal it was written as, then summed as an exact
rational (an 'mg every N days' dose is dose / N), so 7.3 + 0.2 is 7.5.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction

from app.rules.dates import ONE_DAY, days_before
from app.rules.doses import Dose, dose_on, dose_spans
from app.rules.exact import exact
from app.rules.inputs import GLUCOCORTICOID_CLASS, Regimen
from app.rules.outcomes import Criterion, FlagResult, Status
from app.rules.settings import RuleSettings

UNIT = "mg/day prednisone-equivalent"


def daily_amount(regimen: Regimen, dose: Dose) -> Fraction | None:
    """mg/day of prednisone equivalent of `dose`, exactly: dose x factor (prednisone 1,
    methylprednisolone 1.25, dexamethasone 6.67, ...: the catalogue's factors).

    'mg/day' doses count as given; 'mg' every N days (alternate-day tapering, an IM
    depot) is spread over the N days; other units, or no factor (budesonide), give
    None: unknown, never guessed.
    """
    factor = regimen.drug.prednisone_factor
    if factor is None:
        return None
    amount = Fraction(exact(dose.value)) * Fraction(exact(factor))
    if dose.unit == "mg/day":
        return amount
    if dose.unit == "mg" and dose.interval_days:
        return amount / dose.interval_days
    return None


def daily_prednisone_equivalent(regimen: Regimen, day: date | None = None) -> float | None:
    """The regimen's mg/day of prednisone equivalent on `day` (default: its start date),
    as reported (3 decimals); None when unknown."""
    amount = daily_amount(regimen, dose_on(regimen, day or regimen.start_date))
    return None if amount is None else round(float(amount), 3)


def glucocorticoids(regimens: Iterable[Regimen], settings: RuleSettings) -> list[Regimen]:
    """The systemic glucocorticoid regimens with consistent dates."""
    local = set(settings.steroid_non_systemic_routes)
    return [
        r
        for r in regimens
        if r.drug.drug_class == GLUCOCORTICOID_CLASS
        and r.route not in local
        and (r.end_date is None or r.end_date >= r.start_date)
    ]


def _changes(regimens: Iterable[Regimen]) -> list[tuple[date, Fraction, int]]:
    """(day, change of the known dose, change of the number of unknown doses), by day."""
    deltas: defaultdict[date, tuple[Fraction, int]] = defaultdict(lambda: (Fraction(0), 0))

    def shift(day: date, amount: Fraction, unknown: int) -> None:
        deltas[day] = (deltas[day][0] + amount, deltas[day][1] + unknown)

    for regimen in regimens:
        previous = (Fraction(0), 0)
        for first_day, dose in dose_spans(regimen):
            daily = daily_amount(regimen, dose)
            current = (Fraction(0), 1) if daily is None else (daily, 0)
            shift(first_day, current[0] - previous[0], current[1] - previous[1])
            previous = current
        if regimen.end_date is not None:
            shift(regimen.end_date + ONE_DAY, -previous[0], -previous[1])
    return [(day, *deltas[day]) for day in sorted(deltas)]


def _extend(start: date | None, day: date, held: bool) -> date | None:
    return (start or day) if held else None


@dataclass
class _DoseState:
    """The sweep's state: today's known dose, the number of regimens of unknown dose,
    and the first day of the current run that is (or could be) at the threshold."""

    threshold: Fraction
    known: Fraction = Fraction(0)
    unknown: int = 0
    known_run: date | None = None
    possible_run: date | None = None

    def apply(self, day: date, amount: Fraction, unknown: int) -> None:
        self.known += amount
        self.unknown += unknown
        at_threshold = self.known >= self.threshold
        self.known_run = _extend(self.known_run, day, at_threshold)
        self.possible_run = _extend(self.possible_run, day, at_threshold or self.unknown > 0)

    def status_on(self, day: date, duration: timedelta) -> Status:
        """Met when the known run covers `duration` days before `day`; insufficient data
        when only doses of unknown size could make it so."""
        if self.known_run is not None and self.known_run + duration <= day:
            return Status.MET
        if self.possible_run is not None and self.possible_run + duration <= day:
            return Status.INSUFFICIENT_DATA
        return Status.NOT_MET

    def milestones(self, duration: timedelta) -> list[date]:
        """Days on which a current run reaches its full duration."""
        starts = (self.known_run, self.possible_run)
        return sorted({start + duration for start in starts if start is not None})


def _sweep(
    courses: list[Regimen], as_of: date, settings: RuleSettings
) -> tuple[list[tuple[date, Status]], _DoseState]:
    duration = timedelta(days=settings.steroid_duration_days)
    state = _DoseState(Fraction(exact(settings.steroid_threshold_mg_per_day)))
    changes = [change for change in _changes(courses) if change[0] <= as_of]
    next_days = [*(change[0] for change in changes), as_of + ONE_DAY][1:]
    timeline: list[tuple[date, Status]] = []
    for (day, amount, unknown), next_day in zip(changes, next_days, strict=True):
        state.apply(day, amount, unknown)
        reached = [m for m in state.milestones(duration) if day < m < next_day]
        timeline.extend((d, state.status_on(d, duration)) for d in [day, *reached])
    return timeline, state


def steroid_timeline(
    regimens: Iterable[Regimen], as_of: date, settings: RuleSettings
) -> list[tuple[date, Status]]:
    """The flag on each systemic glucocorticoid start date, dose change, end date + 1
    day, and day a run reaches its full duration, up to `as_of`: the history shows the
    day a taper fell below the threshold."""
    return _sweep(glucocorticoids(regimens, settings), as_of, settings)[0]


def _regimen_evidence(regimen: Regimen, as_of: date) -> dict[str, object]:
    """A regimen with the dose in force on `as_of` (or on its last day, if it ended)."""
    day = as_of if regimen.end_date is None else min(as_of, regimen.end_date)
    dose = dose_on(regimen, day)
    factor = regimen.drug.prednisone_factor
    return {
        "id": regimen.id,
        "drug": regimen.drug.code,
        "route": regimen.route,
        "dose_value": float(dose.value),
        "dose_unit": dose.unit,
        "dose_change_id": dose.change_id,
        "prednisone_factor": None if factor is None else float(factor),
        "prednisone_equivalent_mg_per_day": daily_prednisone_equivalent(regimen, day),
        "start_date": regimen.start_date,
        "end_date": regimen.end_date,
    }


def _dose_criterion(state: _DoseState, threshold: float) -> Criterion:
    if state.known >= state.threshold:
        status = Status.MET
    else:
        status = Status.INSUFFICIENT_DATA if state.unknown else Status.NOT_MET
    dose = round(float(state.known), 3)
    return Criterion("dose_at_or_above_threshold", status, dose, threshold, UNIT)


def steroid_dependent(
    regimens: Iterable[Regimen], as_of: date, settings: RuleSettings
) -> FlagResult:
    """Prednisone-equivalent dose >= 7.5 mg/day on `as_of` and on each of the 180 days
    before it (both settings)."""
    courses = glucocorticoids(regimens, settings)
    _, state = _sweep(courses, as_of, settings)
    duration = timedelta(days=settings.steroid_duration_days)
    status = state.status_on(as_of, duration)
    run_days = (as_of - state.known_run).days if state.known_run is not None else None
    criteria = (
        _dose_criterion(state, settings.steroid_threshold_mg_per_day),
        Criterion(
            "days_at_or_above_threshold",
            status,
            run_days,
            settings.steroid_duration_days,
            "days",
            None,
            state.known_run,
        ),
    )
    summary = f"{criteria[0].value} {UNIT} on {as_of.isoformat()}"
    if run_days is not None:
        summary += f", at or above {settings.steroid_threshold_mg_per_day} for {run_days} days"
    return FlagResult(status, summary, criteria, _evidence(courses, state, as_of, settings))


def _evidence(
    regimens: list[Regimen], state: _DoseState, as_of: date, settings: RuleSettings
) -> dict[str, object]:
    """The regimens active in the assessed period, the current dose and the run start."""
    window_start = days_before(as_of, settings.steroid_duration_days)
    used = [r for r in regimens if r.start_date <= as_of and (r.end_date or as_of) >= window_start]
    return {
        "regimens": [_regimen_evidence(r, as_of) for r in used],
        "current_dose_mg_per_day": round(float(state.known), 3),
        "unknown_dose_regimens": state.unknown,
        "run_start": state.known_run,
        "threshold_mg_per_day": settings.steroid_threshold_mg_per_day,
        "duration_days": settings.steroid_duration_days,
    }
