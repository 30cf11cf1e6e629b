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


def remission_changes(
    records: PatientRecords, as_of: date, settings: RuleSettings | None = None
) -> list[FlagChange]:
    """Every change of remission up to `as_of`, oldest first (what the stored remission flag
    keeps: its status on any day up to `as_of` is that of the last change on or before it).
    Records entered in error are ignored."""
    settings = settings or RuleSettings()
    return changes_in(remission_timeline(records.visible(), as_of, settings))


def changes_in(timeline: RemissionTimeline) -> list[FlagChange]:
    """The changes of remission along a remission_timeline (remission_changes's answer)."""
    return _changes("remission", timeline.days)


def status_history(
    records: PatientRecords, as_of: date, settings: RuleSettings | None = None
) -> list[FlagChange]:
    """Every change of refractory, steroid_dependent and remission up to `as_of`,
    oldest first (same day: in that flag order). Records entered in error are ignored."""
    settings = settings or RuleSettings()
    visible = records.visible()
    remission = remission_timeline(visible, as_of, settings).days
    changes = [
        *_changes("refractory", refractory_timeline(visible.regimens, as_of, settings)),
        *_changes("steroid_dependent", steroid_timeline(visible.regimens, as_of, settings)),
        *_changes("remission", remission),
    ]
    # sorted() is stable: same-day changes keep the flag order above.
    return sorted(changes, key=lambda change: change.effective_date)
