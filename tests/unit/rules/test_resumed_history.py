"""A remission history resumed from a date (what a lab or visit write stores) is the history
a sweep of every record gives, whatever the records before and after that date."""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from app.rules import evaluate_flags
from app.rules.dates import clinical_date
from app.rules.history import changes_in, resume_from, resumed_changes, since_of
from app.rules.inputs import Assessment, LabResult, PatientRecords
from app.rules.outcomes import FlagChange, Status
from app.rules.remission import remission, remission_timeline
from app.rules.settings import RuleSettings

from .builders import day, lab, records, regimen, visit

START = datetime(2016, 1, 1, tzinfo=UTC)
SPAN_DAYS = 500
Record = LabResult | Assessment
# Failed, stopped and tapered drugs across the span: both other flags change within it.
REGIMENS = (
    regimen("mtx", "methotrexate", "2015-01-01", "2016-03-01", reason="inefficacy"),
    regimen("ada", "adalimumab", "2016-03-01", "2016-09-01", reason="inefficacy"),
    regimen("pred", "prednisone", "2015-06-01", "2016-10-01", dose=10),
    regimen("aba", "abatacept", "2016-09-01", "2017-01-01", reason="inefficacy"),
    regimen("toci", "tocilizumab", "2017-01-01", dose=8, unit="mg/kg", route="iv"),
)


@st.composite
def a_record(draw: st.DrawFn, name: str) -> Record:
    """A lab of a remission test or a visit, at any hour of the span, normal or not,
    sometimes entered in error."""
    moment = START + timedelta(hours=draw(st.integers(0, SPAN_DAYS * 24)))
    when = moment.date().isoformat()
    kind = draw(st.sampled_from(["esr", "crp", "anti_dsdna", "visit"]))
    made: Record
    if kind == "visit":
        joints = draw(st.sampled_from([0, 0, 2]))
        doppler = draw(st.sampled_from(["negative", "positive", None]))
        made = visit(name, when, tender=joints, swollen=joints, doppler=doppler)
    elif kind == "anti_dsdna":
        made = lab(name, kind, when, text=draw(st.sampled_from(["negative", "positive"])))
    else:
        made = lab(name, kind, when, value=draw(st.sampled_from([2.0, 12.0, 60.0])))
    if isinstance(made, LabResult):
        made = replace(made, collected_at=moment)
    else:
        made = replace(made, assessed_at=moment)
    return replace(made, entered_in_error=draw(st.sampled_from([False, False, False, True])))


def _records(items: list[Record]) -> PatientRecords:
    labs = tuple(
        replace(x, recorded_seq=n) for n, x in enumerate(items) if isinstance(x, LabResult)
    )
    visits = tuple(
        replace(x, recorded_seq=n) for n, x in enumerate(items) if isinstance(x, Assessment)
    )
    return records(labs=labs, visits=visits)


def _day_of(item: Record, zone: str) -> date:
    moment = item.collected_at if isinstance(item, LabResult) else item.assessed_at
    return clinical_date(moment, zone)


@settings(max_examples=300, deadline=None)
@given(
    old=st.lists(a_record("old"), max_size=25),
    new=st.lists(a_record("new"), max_size=8),
    cut_offset=st.integers(-5, SPAN_DAYS + 5),
    as_of_offset=st.integers(0, SPAN_DAYS + 200),
    window=st.sampled_from([30, 90]),
    zone=st.sampled_from(["UTC", "Pacific/Auckland"]),
    dropped=st.integers(0, 3),
)
def test_a_resumed_history_is_the_full_sweep(
    old: list[Record],
    new: list[Record],
    cut_offset: int,
    as_of_offset: int,
    window: int,
    zone: str,
    dropped: int,
) -> None:
    rules = RuleSettings(clinical_timezone=zone, remission_window_days=window)
    as_of = START.date() + timedelta(days=as_of_offset)
    cut = min(START.date() + timedelta(days=cut_offset), as_of)
    # What was stored: the history of the old records. Since then, records dated from `cut`
    # on were added and some of the old ones from `cut` on went (as one entered in error
    # goes; a record moved between two dates from `cut` on goes from one, comes on the other).
    before = changes_in(remission_timeline(_records(old).visible(), as_of, rules))
    later = [x for x in old if _day_of(x, zone) >= cut]
    gone = {id(x) for x in later[:dropped]}
    added = [x for x in new if _day_of(x, zone) >= cut]
    now = [x for x in old if id(x) not in gone] + added
    every = changes_in(remission_timeline(_records(now).visible(), as_of, rules))
    # What the write reads: the records dated from resume_from(cut) to as_of.
    first = resume_from(cut, rules)
    recent = _records([x for x in now if first <= _day_of(x, zone) <= as_of])

    resumed = resumed_changes(before, recent, cut, as_of, rules)
    assert resumed == every
    assert since_of(resumed) == remission(_records(now).visible(), as_of, rules).since


def test_a_resumed_history_keeps_the_changes_before_the_date_and_sweeps_from_it() -> None:
    rules = RuleSettings()
    before = [
        FlagChange("remission", None, Status.INSUFFICIENT_DATA, day("2016-01-01")),
        FlagChange("remission", Status.INSUFFICIENT_DATA, Status.NOT_MET, day("2016-03-01")),
        FlagChange("remission", Status.NOT_MET, Status.INSUFFICIENT_DATA, day("2016-06-01")),
    ]
    recent = records(labs=(lab("crp", "crp", "2016-05-20", value=12.0),))

    resumed = resumed_changes(before, recent, day("2016-05-20"), day("2016-07-01"), rules)

    # Kept: the changes before 2016-05-20. From it, the records say again what the stored
    # change of 2016-06-01 said before: the CRP of 2016-05-20 keeps remission not met until
    # it drops out, 91 days later, after as_of.
    assert resumed == before[:2]
    assert resume_from(day("2016-05-20"), rules) == day("2016-02-19")


@settings(max_examples=100, deadline=None)
@given(
    labs_and_visits=st.lists(a_record("any"), max_size=20),
    as_of_offset=st.integers(0, SPAN_DAYS + 200),
)
def test_labs_and_visits_move_remission_alone(
    labs_and_visits: list[Record], as_of_offset: int
) -> None:
    """What a lab or visit write relies on to store remission alone (stored_flags): the
    other flags read none of them."""
    as_of = START.date() + timedelta(days=as_of_offset)
    with_them = replace(_records(labs_and_visits), regimens=REGIMENS)
    without = records(regimens=REGIMENS)
    rules = RuleSettings()
    got, expected = evaluate_flags(with_them, as_of, rules), evaluate_flags(without, as_of, rules)
    assert (got.refractory, got.steroid_dependent) == (
        expected.refractory,
        expected.steroid_dependent,
    )
