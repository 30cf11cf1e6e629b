"""Complete clinical remission, its start date, and its evaluation timeline.

Definition (clinical-rules.md, from the rhupus tocilizumab case reports): all six
criteria of `remission_criteria`, each from the latest record of its kind collected
in the window (`as_of - 90 days` to `as_of`, both included).

Remission can only change when a record enters the window (its date) or drops out
of it (its date + window + 1 day), so evaluating it on those dates and on `as_of`
gives its exact history. The records are sorted once and swept once: each criterion's
record in force changes on a record's date (the latest record takes over) and on the day
it grows older than `window` days (no record in the window: missing); a running count of
the six criteria's statuses gives the combined status of each date.
"""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from app.rules import remission_criteria as rc
from app.rules.dates import clinical_date, days_before, instant
from app.rules.inputs import Assessment, LabResult, PatientRecords, Regimen
from app.rules.outcomes import Caveat, Criterion, RemissionResult, Status, combined
from app.rules.settings import RuleSettings

Dated = list[tuple[date, Criterion]]
REMISSION_TESTS = frozenset({"esr", "crp", "anti_dsdna"})


@dataclass(frozen=True)
class RemissionTimeline:
    """Remission at each evaluation date, oldest first (the last is `as_of`), and the six
    criteria on `as_of`."""

    days: list[tuple[date, Status]]
    criteria: tuple[Criterion, ...]


def _changes(items: Dated, missing: Criterion, window_days: int) -> Dated:
    """When a stream's criterion in force changes: the last record of each date takes over
    on its date, and gives way to `missing` once it is more than `window` days old (unless
    a later record took over first)."""
    changes: Dated = []
    stay = timedelta(days=window_days + 1)
    for position, (day, criterion) in enumerate(items):
        following = items[position + 1][0] if position + 1 < len(items) else None
        if following == day:
            continue  # a later record of the same date wins
        changes.append((day, criterion))
        if following is None or day + stay < following:
            changes.append((day + stay, missing))
    return changes


def _lab_streams(
    records: PatientRecords, days: dict[int, date], settings: RuleSettings
) -> dict[str, Dated]:
    judges: dict[str, tuple[str, Callable[[LabResult], Criterion]]] = {
        "esr": ("esr_normal", lambda lab: rc.esr_normal(lab, records.patient, settings)),
        "crp": ("crp_normal", lambda lab: rc.crp_normal(lab, settings)),
        "anti_dsdna": ("anti_dsdna_negative", rc.anti_dsdna_negative),
    }
    streams: dict[str, Dated] = {name: [] for name, _ in judges.values()}
    wanted = [lab for lab in records.lab_results if lab.test in judges]
    for lab in sorted(
        wanted, key=lambda lab: (days[id(lab)], instant(lab.collected_at), lab.recorded_seq)
    ):
        name, judge = judges[lab.test]
        streams[name].append((days[id(lab)], judge(lab)))
    return streams


def _visit_criteria(visit: Assessment) -> Iterator[Criterion]:
    if visit.swollen_joints_28 is not None:
        yield rc.no_joints("no_swollen_joints", visit.swollen_joints_28, visit)
    if visit.tender_joints_28 is not None:
        yield rc.no_joints("no_tender_joints", visit.tender_joints_28, visit)
    if visit.power_doppler is not None:
        yield rc.power_doppler_negative(visit.power_doppler, visit)


def _visit_streams(records: PatientRecords, days: dict[int, date]) -> dict[str, Dated]:
    streams: dict[str, Dated] = {
        "no_swollen_joints": [],
        "no_tender_joints": [],
        "power_doppler_negative": [],
    }

    def order(visit: Assessment) -> tuple[date, object, int]:
        return days[id(visit)], instant(visit.assessed_at), visit.recorded_seq

    for visit in sorted(records.assessments, key=order):
        for criterion in _visit_criteria(visit):
            streams[criterion.name].append((days[id(visit)], criterion))
    return streams


def _record_days(records: PatientRecords, tz: str) -> dict[int, date]:
    """The clinical date of each remission record (lab of a remission test, visit), keyed
    by the record's identity: computed once for the sort, the streams and the dates."""
    days = {
        id(lab): clinical_date(lab.collected_at, tz)
        for lab in records.lab_results
        if lab.test in REMISSION_TESTS
    }
    days.update((id(visit), clinical_date(visit.assessed_at, tz)) for visit in records.assessments)
    return days


def _evaluation_days(days: Iterable[date], as_of: date, settings: RuleSettings) -> list[date]:
    """Record dates, drop-out dates (date + window + 1) and `as_of`, up to `as_of`."""
    seen = set(days)
    drop_out = timedelta(days=settings.remission_window_days + 1)
    every = seen | {day + drop_out for day in seen} | {as_of}
    return sorted(day for day in every if day <= as_of)


def remission_timeline(
    records: PatientRecords, as_of: date, settings: RuleSettings
) -> RemissionTimeline:
    """Remission at each of its evaluation dates, in one pass over the criteria's changes:
    a count of the criteria in each status gives the combined status of a date."""
    days = _record_days(records, settings.clinical_timezone)
    streams = _lab_streams(records, days, settings) | _visit_streams(records, days)
    window = settings.remission_window_days
    current = [rc.missing(name) for name in rc.CRITERIA]
    changes = sorted(
        (
            (day, slot, criterion)
            for slot, name in enumerate(rc.CRITERIA)
            for day, criterion in _changes(streams[name], current[slot], window)
        ),
        key=lambda change: change[0],
    )
    counts = {Status.INSUFFICIENT_DATA: len(current)}  # the statuses in force, counted
    timeline, position = [], 0
    for day in _evaluation_days(days.values(), as_of, settings):
        while position < len(changes) and changes[position][0] <= day:
            _, slot, criterion = changes[position]
            _recount(counts, current[slot].status, criterion.status)
            current[slot] = criterion
            position += 1
        timeline.append((day, combined(counts)))
    return RemissionTimeline(timeline, tuple(current))


def _recount(counts: dict[Status, int], old: Status, new: Status) -> None:
    """One criterion goes from `old` to `new`; a status no longer in force leaves `counts`."""
    counts[new] = counts.get(new, 0) + 1
    left = counts[old] - 1
    if left:
        counts[old] = left
    else:
        del counts[old]


def _run_start(timeline: list[tuple[date, Status]]) -> date | None:
    """The earliest evaluation date from which every evaluation is met."""
    since = None
    for day, status in timeline:
        since = (since or day) if status is Status.MET else None
    return since


def _summary(status: Status, criteria: tuple[Criterion, ...], since: date | None) -> str:
    if since is not None:
        return f"In complete clinical remission since {since.isoformat()}"
    if status is Status.NOT_MET:
        failing = [c.name for c in criteria if c.status is Status.NOT_MET]
        return "Not in remission: " + ", ".join(failing) + " not met"
    unknown = [c.name for c in criteria if c.status is Status.INSUFFICIENT_DATA]
    return "Insufficient data for remission: " + ", ".join(unknown) + " unknown"


ACUTE_PHASE_SUPPRESSED = "acute_phase_suppressed"
ACUTE_PHASE_CRITERIA = ("esr_normal", "crp_normal")


def caveats(regimens: Iterable[Regimen], as_of: date, settings: RuleSettings) -> tuple[Caveat, ...]:
    """`acute_phase_suppressed` for each IL-6R or JAK inhibitor (settings) the patient is
    on at `as_of` or stopped less than 90 days before it (an end date on or after
    `as_of - 90`): the drug lowers ESR and CRP directly, whatever the disease does."""
    mechanisms = {m.lower() for m in settings.remission_caveat_mechanisms}
    stopped_since = days_before(as_of, settings.remission_caveat_days)
    drugs = {
        r.drug.code
        for r in regimens
        if r.drug.mechanism.lower() in mechanisms
        and r.start_date <= as_of
        and (r.end_date is None or r.end_date >= stopped_since)
    }
    return tuple(Caveat(ACUTE_PHASE_SUPPRESSED, d, ACUTE_PHASE_CRITERIA) for d in sorted(drugs))


def remission(
    records: PatientRecords,
    as_of: date,
    settings: RuleSettings,
    timeline: RemissionTimeline | None = None,
) -> RemissionResult:
    """Complete clinical remission on `as_of`, with `since`, duration and `sustained`.

    `sustained` when `as_of - since` >= 180 days (setting `remission_sustained_days`).
    The flag follows the six criteria (the published definition); `caveats` say when a
    drug itself lowers ESR and CRP. `timeline`: the records' remission_timeline to `as_of`,
    when the caller has it already.
    """
    timeline = timeline or remission_timeline(records, as_of, settings)
    status = timeline.days[-1][1]
    since = _run_start(timeline.days)
    duration = (as_of - since).days if since is not None else None
    return RemissionResult(
        status=status,
        summary=_summary(status, timeline.criteria, since),
        criteria=timeline.criteria,
        evidence={
            "window_days": settings.remission_window_days,
            "window_start": as_of - timedelta(days=settings.remission_window_days),
            "sustained_days": settings.remission_sustained_days,
        },
        since=since,
        duration_days=duration,
        sustained=duration is not None and duration >= settings.remission_sustained_days,
        caveats=caveats(records.regimens, as_of, settings),
    )
