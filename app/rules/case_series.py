"""Case-series outcomes: the seed's table (patients refractory to everything, then months of
remission on one drug), computed from each patient's records.

Definitions (clinical-rules.md, "Case-series outcomes", and the contract's Clarifications):
- Only patients with a regimen of the drug starting on or before `as_of`.
- A course is the first regimen of the drug plus any later one starting within 90 days of
  the previous one's end (escalations and switches are recorded as new regimens); it ends
  with its last regimen (None: ongoing), and every date below is bounded by that end or
  `as_of`, whichever comes first (the course's last day).
- `refractory_at_start`, `steroid_dependent_at_start`: the flags as of the start date.
- `first_remission_date`: the first remission evaluation on or after the start whose status
  is `met` (the start itself when remission is met then); a run of remission lasts from its
  first `met` evaluation to the first later one that is not `met`, or to the course's last
  day; `longest_remission_days` is the longest (0 without one). Remission only changes on
  the days its history names, so the runs are read off that history.
- `in_remission_at_end`: remission met on the course's last day; `remission_ongoing`: the
  course is ongoing at `as_of` and remission is met then.
- Summary: median days to remission over the patients who reached it, median longest
  remission over all, and the Kaplan-Meier estimate of time to remission, censored at the
  course's last day.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from app.rules.inputs import Regimen
from app.rules.outcomes import FlagChange, Status
from app.rules.refractory import refractory
from app.rules.settings import RuleSettings
from app.rules.steroids import steroid_dependent
from app.rules.survival import KmPoint, kaplan_meier, median

COURSE_GAP_DAYS = 90


@dataclass(frozen=True)
class Course:
    """The drug's regimens taken as one course; `end` None: ongoing."""

    start: date
    end: date | None
    regimen_ids: tuple[str, ...]

    def ongoing(self, as_of: date) -> bool:
        """Still taken on `as_of` (end dates are inclusive)."""
        return self.end is None or self.end >= as_of

    def last_day(self, as_of: date) -> date:
        return as_of if self.end is None or self.end >= as_of else self.end


@dataclass(frozen=True)
class CaseOutcome:
    patient_key: str
    start_date: date
    end_date: date | None
    refractory_at_start: Status
    steroid_dependent_at_start: Status
    first_remission_date: date | None
    days_to_remission: int | None
    longest_remission_days: int
    in_remission_at_end: bool
    remission_ongoing: bool
    follow_up_days: int


@dataclass(frozen=True)
class CaseSeries:
    drug: str
    as_of: date
    outcomes: tuple[CaseOutcome, ...]
    reached_remission: int
    median_days_to_remission: float | None
    median_longest_remission_days: float | None
    kaplan_meier: tuple[KmPoint, ...]


def course(regimens: Iterable[Regimen], drug: str, as_of: date) -> Course | None:
    """The patient's course of `drug` as of `as_of`, or None without a regimen of it starting
    on or before `as_of`. Regimens entered in error do not count."""
    taken = sorted(
        (
            r
            for r in regimens
            if r.drug.code == drug and r.start_date <= as_of and not r.entered_in_error
        ),
        key=lambda r: (r.start_date, r.id),
    )
    if not taken:
        return None
    first = taken[0]
    end, ids = first.end_date, [first.id]
    for regimen in taken[1:]:
        if end is not None and regimen.start_date > end + timedelta(days=COURSE_GAP_DAYS):
            break
        ids.append(regimen.id)
        end = None if end is None or regimen.end_date is None else max(end, regimen.end_date)
    return Course(first.start_date, end, tuple(ids))


def _status_on(changes: Sequence[FlagChange], day: date) -> Status | None:
    """The status on a day: that of the last change on or before it (None before the first)."""
    status = None
    for change in changes:
        if change.effective_date > day:
            break
        status = change.to_status
    return status


def _runs(changes: Sequence[FlagChange], start: date, last_day: date) -> list[tuple[date, date]]:
    """Unbroken runs of `met` (first day, end) from `start` to `last_day`: a run already met
    on `start` begins there; a run still met on `last_day` ends there."""
    runs: list[tuple[date, date]] = []
    since = start if _status_on(changes, start) is Status.MET else None
    for change in changes:
        if not start < change.effective_date <= last_day:
            continue
        met = change.to_status is Status.MET
        if met and since is None:
            since = change.effective_date
        elif not met and since is not None:
            runs.append((since, change.effective_date))
            since = None
    if since is not None:
        runs.append((since, last_day))
    return runs


def outcome(
    patient_key: str,
    regimens: Sequence[Regimen],
    remission: Sequence[FlagChange],
    drug: str,
    as_of: date,
    settings: RuleSettings,
) -> CaseOutcome | None:
    """One patient's row of the case series (None: no course of the drug by `as_of`), from
    the patient's regimens and the changes of remission up to at least the course's last
    day (`history.flag_changes("remission")`, or the stored remission flag's history)."""
    visible = [r for r in regimens if not r.entered_in_error]
    found = course(visible, drug, as_of)
    if found is None:
        return None
    last_day = found.last_day(as_of)
    runs = _runs(remission, found.start, last_day)
    first = runs[0][0] if runs else None
    at_end = _status_on(remission, last_day) is Status.MET
    return CaseOutcome(
        patient_key=patient_key,
        start_date=found.start,
        end_date=found.end,
        refractory_at_start=refractory(visible, found.start, settings).status,
        steroid_dependent_at_start=steroid_dependent(visible, found.start, settings).status,
        first_remission_date=first,
        days_to_remission=None if first is None else (first - found.start).days,
        longest_remission_days=max(((end - start).days for start, end in runs), default=0),
        in_remission_at_end=at_end,
        remission_ongoing=at_end and found.ongoing(as_of),
        follow_up_days=(last_day - found.start).days,
    )


def summarize(drug: str, as_of: date, outcomes: Iterable[CaseOutcome]) -> CaseSeries:
    """The table's summary: counts, medians and the Kaplan-Meier estimate."""
    rows = tuple(outcomes)
    reached = [o.days_to_remission for o in rows if o.days_to_remission is not None]
    durations = [
        o.days_to_remission if o.days_to_remission is not None else o.follow_up_days for o in rows
    ]
    observed = [o.days_to_remission is not None for o in rows]
    return CaseSeries(
        drug=drug,
        as_of=as_of,
        outcomes=rows,
        reached_remission=len(reached),
        median_days_to_remission=median(reached),
        median_longest_remission_days=median(o.longest_remission_days for o in rows),
        kaplan_meier=tuple(kaplan_meier(durations, observed)),
    )
