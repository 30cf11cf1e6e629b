"""Case-series outcomes (clinical-rules.md "Case-series outcomes", contract Clarifications)."""

from dataclasses import replace
from datetime import date

import pytest

from app.rules import PatientRecords, Regimen, RuleSettings, Status, flag_changes
from app.rules.case_series import CaseOutcome, course, outcome, summarize
from app.rules.survival import KmPoint
from tests.unit.rules.builders import day, in_remission, lab, merge, records, regimen, visit

SETTINGS = RuleSettings()
FAILED = (
    regimen("mtx", "methotrexate", "2010-01-01", "2012-01-01", "inefficacy"),
    regimen("ada", "adalimumab", "2012-02-01", "2013-01-01", "inefficacy"),
    regimen("aba", "abatacept", "2013-02-01", "2015-12-31", "adverse_event"),
)


def of(
    key: str, patient: PatientRecords, as_of: date, drug: str = "tocilizumab"
) -> CaseOutcome | None:
    """The patient's row, its remission history replayed from the records as of `as_of`."""
    changes = flag_changes("remission", patient, as_of, SETTINGS)
    return outcome(key, patient.regimens, changes, drug, as_of, SETTINGS)


def toci(regimen_id: str, start: str, end: str | None = None) -> Regimen:
    return regimen(regimen_id, "tocilizumab", start, end, dose=8, unit="mg/kg", route="iv")


def test_the_seed_woman_refractory_then_a_long_remission() -> None:
    # Active on the start day, in remission from May, a flare the next year, then ongoing.
    active = records(
        labs=(lab("crp0", "crp", "2016-01-10", 35.0),),
        visits=(visit("v0", "2016-01-10", swollen=3),),
    )
    flare = records(
        labs=(lab("crpF", "crp", "2018-04-10", 40.0),),
        visits=(visit("vF", "2018-04-10", swollen=2),),
    )
    patient = merge(
        records(regimens=(*FAILED, toci("toci", "2016-01-10"))),
        active,
        *(in_remission(f"2016-{m:02d}-10", f"a{m}") for m in (5, 7, 9, 11)),
        *(in_remission(f"2017-{m:02d}-10", f"b{m}") for m in (1, 3, 5, 7, 9, 11)),
        in_remission("2018-01-10", "c1"),
        flare,
        *(in_remission(f"2018-{m:02d}-10", f"d{m}") for m in (6, 8, 10)),
    )

    row = of("p1", patient, day("2018-11-30"))

    assert row is not None
    assert row.refractory_at_start is Status.MET
    assert row.steroid_dependent_at_start is Status.NOT_MET
    assert row.first_remission_date == day("2016-05-10")
    assert row.days_to_remission == 121
    # 2016-05-10 until the flare on 2018-04-10: 700 days (23 months).
    assert row.longest_remission_days == 700
    assert row.in_remission_at_end
    assert row.remission_ongoing
    assert row.follow_up_days == (day("2018-11-30") - day("2016-01-10")).days


def test_a_course_joins_regimens_within_90_days_and_ends_with_the_last() -> None:
    regimens = (
        toci("t1", "2016-01-01", "2016-06-30"),
        toci("t2", "2016-09-28", "2017-03-31"),  # 90 days after: the same course
        toci("t3", "2017-07-01", "2017-09-01"),  # 92 days after: a new course, left out
        regimen("mtx", "methotrexate", "2015-01-01"),
    )

    found = course(regimens, "tocilizumab", day("2020-01-01"))

    assert found is not None
    assert (found.start, found.end, found.regimen_ids) == (
        day("2016-01-01"),
        day("2017-03-31"),
        ("t1", "t2"),
    )
    assert not found.ongoing(day("2020-01-01"))
    assert found.last_day(day("2020-01-01")) == day("2017-03-31")
    assert found.last_day(day("2017-01-01")) == day("2017-01-01")


def test_an_ongoing_regimen_keeps_the_course_open() -> None:
    regimens = (toci("t1", "2016-01-01"), toci("t2", "2016-03-01", "2016-04-01"))

    found = course(regimens, "tocilizumab", day("2020-01-01"))

    assert found is not None
    assert found.end is None
    assert found.ongoing(day("2020-01-01"))


def test_no_course_without_a_regimen_started_by_as_of_or_one_entered_in_error() -> None:
    later = toci("t1", "2021-01-01")
    wrong = replace(toci("t2", "2016-01-01"), entered_in_error=True)

    assert course((later, wrong), "tocilizumab", day("2020-01-01")) is None
    assert of("p", records(regimens=(later,)), day("2020-01-01")) is None


def test_remission_before_the_end_of_a_stopped_course_and_lost_after() -> None:
    patient = merge(
        records(regimens=(toci("t1", "2016-01-01", "2016-12-31"),)),
        in_remission("2016-03-01", "a"),
        in_remission("2016-05-01", "b"),
        records(labs=(lab("crpX", "crp", "2016-06-15", 50.0),)),
    )

    row = of("p", patient, day("2020-01-01"))

    assert row is not None
    assert row.first_remission_date == day("2016-03-01")
    assert row.longest_remission_days == (day("2016-06-15") - day("2016-03-01")).days
    assert not row.in_remission_at_end
    assert not row.remission_ongoing
    assert row.follow_up_days == 365


def test_a_course_ended_in_remission_is_not_ongoing() -> None:
    patient = merge(
        records(regimens=(toci("t1", "2016-01-01", "2016-04-01"),)), in_remission("2016-03-01")
    )

    row = of("p", patient, day("2020-01-01"))

    assert row is not None
    assert row.in_remission_at_end
    assert not row.remission_ongoing
    assert row.longest_remission_days == 31


def test_summary_medians_and_kaplan_meier() -> None:
    never = of("n", records(regimens=(toci("t", "2016-01-01"),)), day("2016-03-01"))
    reached = of(
        "r",
        merge(records(regimens=(toci("t", "2016-01-01"),)), in_remission("2016-01-21")),
        day("2016-03-01"),
    )
    assert never is not None
    assert reached is not None
    assert never.first_remission_date is None
    assert never.days_to_remission is None

    series = summarize("tocilizumab", day("2016-03-01"), [never, reached])

    assert series.reached_remission == 1
    assert series.median_days_to_remission == 20.0
    assert series.median_longest_remission_days == pytest.approx((0 + 40) / 2)
    assert list(series.kaplan_meier) == [
        KmPoint(0, 1.0, 2),
        KmPoint(20, 0.5, 2),
        KmPoint(60, 0.5, 1),
    ]


def test_an_empty_series() -> None:
    series = summarize("tocilizumab", date(2020, 1, 1), [])

    assert series.outcomes == ()
    assert series.median_days_to_remission is None
    assert list(series.kaplan_meier) == [KmPoint(0, 1.0, 0)]


def test_remission_already_met_on_the_start_day_counts_from_the_start() -> None:
    # In remission since March (on methotrexate); tocilizumab added in April.
    patient = merge(
        records(regimens=(toci("t1", "2016-04-01"),)),
        in_remission("2016-03-01", "a"),
        in_remission("2016-05-01", "b"),
    )

    row = of("p", patient, day("2016-06-01"))

    assert row is not None
    assert row.first_remission_date == day("2016-04-01")
    assert row.days_to_remission == 0
    assert row.longest_remission_days == 61
