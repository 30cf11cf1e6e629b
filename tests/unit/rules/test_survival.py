import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lifelines import KaplanMeierFitter

from app.rules.survival import KmPoint, kaplan_meier, median


def test_textbook_example_with_a_tie_of_events() -> None:
    # Six subjects; two events on day 10, a censoring on day 15, events on 20 and 30.
    points = kaplan_meier([10, 10, 15, 20, 30, 40], [True, True, False, True, True, False])

    assert points == [
        KmPoint(0, 1.0, 6),
        KmPoint(10, 4 / 6, 6),
        KmPoint(15, 4 / 6, 4),
        KmPoint(20, 4 / 6 * 2 / 3, 3),
        KmPoint(30, 4 / 6 * 2 / 3 * 1 / 2, 2),
        KmPoint(40, 4 / 6 * 2 / 3 * 1 / 2, 1),
    ]


def test_events_come_before_censorings_on_the_same_day() -> None:
    # The subject censored on day 5 is still at risk on day 5: 1 - 1/2, not 1 - 1/1.
    points = kaplan_meier([5, 5], [True, False])

    assert points == [KmPoint(0, 1.0, 2), KmPoint(5, 0.5, 2)]


def test_an_event_on_day_zero_follows_the_starting_point() -> None:
    points = kaplan_meier([0, 0, 0, 8], [True, False, True, True])

    assert points == [KmPoint(0, 1.0, 4), KmPoint(0, 0.5, 4), KmPoint(8, 0.0, 1)]


def test_censoring_on_day_zero_adds_no_second_starting_point() -> None:
    points = kaplan_meier([0, 3], [False, True])

    assert points == [KmPoint(0, 1.0, 2), KmPoint(3, 0.0, 1)]


def test_probability_is_exact_before_it_becomes_a_float() -> None:
    # One event a day among ten: S = 9/10 * 8/9 * ... telescopes to (10 - j) / 10. A running
    # product of binary floats gives 0.7999999999999999 and 0.30000000000000004 on the way.
    points = kaplan_meier(list(range(1, 11)), [True] * 10)

    assert [p.remission_free_probability for p in points] == [(10 - j) / 10 for j in range(11)]


def test_nobody_gives_the_starting_point_alone() -> None:
    assert kaplan_meier([], []) == [KmPoint(0, 1.0, 0)]


def test_everyone_censored_keeps_probability_one() -> None:
    points = kaplan_meier([30, 60], [False, False])

    assert [p.remission_free_probability for p in points] == [1.0, 1.0, 1.0]
    assert [p.at_risk for p in points] == [2, 2, 1]


@pytest.mark.parametrize(
    ("durations", "observed", "message"),
    [
        ([1, 2], [True], "same length"),
        ([1, -1], [True, False], "zero or more"),
    ],
)
def test_bad_input_is_refused(durations: list[int], observed: list[bool], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        kaplan_meier(durations, observed)


@pytest.mark.parametrize(
    ("values", "expected"),
    [([], None), ([7], 7.0), ([30, 10, 20], 20.0), ([10, 40, 20, 30], 25.0), ([0, 1], 0.5)],
)
def test_median(values: list[int], expected: float | None) -> None:
    assert median(values) == expected


# Durations up to 60 days among up to 60 subjects: many ties, and events on day 0.
subjects = st.lists(st.tuples(st.integers(0, 60), st.booleans()), min_size=1, max_size=60)


@settings(max_examples=150, deadline=None)
@given(subjects)
def test_matches_lifelines_at_every_time(data: list[tuple[int, bool]]) -> None:
    durations = [d for d, _ in data]
    observed = [seen for _, seen in data]

    points = kaplan_meier(durations, observed)

    fitter = KaplanMeierFitter().fit(durations, event_observed=observed)
    table = fitter.event_table
    survival = fitter.survival_function_["KM_estimate"]
    # lifelines always lists day 0; the list has a point after the start on day 0 only
    # when someone had the event that day.
    times = [t for t in table.index if t > 0 or table.loc[t, "observed"] > 0]
    after_start = points[1:]
    assert [p.day for p in after_start] == [int(t) for t in times]
    for point, time in zip(after_start, times, strict=True):
        assert point.at_risk == table.loc[time, "at_risk"]
        assert math.isclose(point.remission_free_probability, survival[time], abs_tol=1e-12)
    assert points[0] == KmPoint(0, 1.0, len(data))
