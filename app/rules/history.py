"""Status history: every change of each flag, replayed over the current records.

Each flag is evaluated on its own dates (refractory: regimen end dates; steroid
dependence: glucocorticoid start dates, end dates + 1 day, and the days a run
reaches its full duration; remission: record dates, drop-out dates and `as_of`).
Each timeline comes from one sorted sweep, so the cost grows with the history
size (n log n for the sort), never with dates x records.
"""

from collections.abc import Iterable
from datetime import date

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
