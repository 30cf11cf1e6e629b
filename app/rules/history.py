"""Status history: every change of each flag, replayed over the current records.

Each flag is evaluated on its own dates (refractory: regimen end dates; steroid
dependence: glucocorticoid start dates, end dates + 1 day, and the days a run
reaches its full duration; remission: record dates, drop-out dates and `as_of`).
Each timeline comes from one sorted sweep, so the cost grows with the history
size (n log n for the sort), never with dates x records.
"""

from collections.abc import Iterable, Sequence
from datetime import date, timedelta

from app.rules.inputs import PatientRecords
from app.rules.outcomes import FlagChange, Status
from app.rules.refractory import refractory_timeline
from app.rules.remission import RemissionTimeline, remission_timeline
from app.rules.settings import RuleSettings
from app.rules.steroids import steroid_timeline


def _changes(flag: str, timeline: Iterable[tuple[date, Status]]) -> list[FlagChange]:
    """The evaluations whose status differs from the previous one (the first always)."""
    changes = []
    previous: Status | None = None
    for day, status in timeline:
        if status != previous:
            changes.append(FlagChange(flag, previous, status, day))
        previous = status
    return changes


def changes_in(timeline: RemissionTimeline) -> list[FlagChange]:
    """The changes of remission along a remission_timeline (flag_changes("remission")'s answer)."""
    return _changes("remission", timeline.days)


def flag_changes(
    flag: str, records: PatientRecords, as_of: date, settings: RuleSettings | None = None
) -> list[FlagChange]:
    """Every change of one flag up to `as_of`, oldest first (status_history's changes of that
    flag alone: only its own timeline is swept). Records entered in error are ignored."""
    return _flag_changes(flag, records.visible(), as_of, settings or RuleSettings())


def _flag_changes(
    flag: str, visible: PatientRecords, as_of: date, settings: RuleSettings
) -> list[FlagChange]:
    if flag == "refractory":
        return _changes(flag, refractory_timeline(visible.regimens, as_of, settings))
    if flag == "steroid_dependent":
        return _changes(flag, steroid_timeline(visible.regimens, as_of, settings))
    if flag == "remission":
        return changes_in(remission_timeline(visible, as_of, settings))
    raise ValueError(f"no flag {flag!r}")


def status_history(
    records: PatientRecords, as_of: date, settings: RuleSettings | None = None
) -> list[FlagChange]:
    """Every change of refractory, steroid_dependent and remission up to `as_of`,
    oldest first (same day: in that flag order). Records entered in error are ignored."""
    settings = settings or RuleSettings()
    visible = records.visible()
    changes = [
        change
        for flag in ("refractory", "steroid_dependent", "remission")
        for change in _flag_changes(flag, visible, as_of, settings)
    ]
    # sorted() is stable: same-day changes keep the flag order above.
    return sorted(changes, key=lambda change: change.effective_date)


def resume_from(cut: date, settings: RuleSettings) -> date:
    """The first clinical date of the records a sweep from `cut` reads: a record dated d is
    in force from d to d + window and drops out on d + window + 1, an evaluation day. One
    dated this day drops out on `cut` itself, which the sweep must evaluate; one dated
    before has dropped out before `cut`, on a day before it."""
    return cut - timedelta(days=settings.remission_window_days + 1)


def resumed_changes(
    before: Sequence[FlagChange],
    recent: PatientRecords,
    cut: date,
    as_of: date,
    settings: RuleSettings,
) -> list[FlagChange]:
    """Remission's changes up to `as_of` when no record dated before `cut` changed since
    `before` was swept (every change of remission as of the same `as_of`): its changes
    before `cut`, then those of a sweep of `recent`, the records dated from
    `resume_from(cut)` on. The same as sweeping every record: a record dated d only enters
    on d and drops out on d + window + 1, so the evaluation days before `cut`, and their
    statuses, do not depend on the records dated from `cut` on, and those from `cut` on do
    not depend on the records dated before `resume_from(cut)`."""
    kept = [change for change in before if change.effective_date < cut]
    previous = kept[-1].to_status if kept else None
    for day, status in remission_timeline(recent.visible(), as_of, settings).days:
        if day >= cut and status != previous:
            kept.append(FlagChange("remission", previous, status, day))
            previous = status
    return kept


def since_of(changes: Sequence[FlagChange]) -> date | None:
    """When the run of `met` in force began (remission's `since`), from the flag's changes:
    the last one's date when it is to `met`; None when the flag is not met."""
    last = changes[-1] if changes else None
    return last.effective_date if last is not None and last.to_status is Status.MET else None
