from datetime import date
from decimal import Decimal

import pytest

from app.charts.scales import DateScale, Linear, date_ticks, nice_step, tick_label, value_ticks
from app.charts.svg import clean, exact, num, text_width


@pytest.mark.parametrize(
    ("rough", "step"),
    [(0.07, "0.1"), (1, "1"), (1.2, "2"), (2.2, "2.5"), (3, "5"), (6, "10"), (130, "200")],
)
def test_steps_are_one_two_two_and_a_half_or_five_times_a_power_of_ten(
    rough: float, step: str
) -> None:
    assert nice_step(rough) == Decimal(step)


@pytest.mark.parametrize(
    ("maximum", "labels"),
    [
        (81.0, ["0", "25", "50", "75", "100"]),
        (5.4, ["0", "2", "4", "6"]),
        (0.65, ["0.0", "0.2", "0.4", "0.6", "0.8"]),
        (1.0, ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"]),
        (0.0, ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"]),
    ],
)
def test_value_ticks_start_at_zero_and_reach_the_maximum(maximum: float, labels: list[str]) -> None:
    ticks = value_ticks(maximum, 4 if maximum > 1 else 5)

    assert [tick_label(t, ticks[1] - ticks[0]) for t in ticks] == labels
    assert ticks[-1] >= Decimal(repr(maximum))


def test_scales_map_ends_to_ends_and_a_point_to_the_middle() -> None:
    assert Linear(0, 10, 100, 200)(5) == 150
    assert Linear(3, 3, 100, 200)(3) == 150  # no division by zero
    days = DateScale(date(2020, 1, 1), date(2020, 1, 11), 0, 100)
    assert days(date(2020, 1, 6)) == 50
    assert DateScale(date(2020, 1, 1), date(2020, 1, 1), 0, 100)(date(2020, 1, 1)) == 0


def test_month_and_year_ticks_fall_on_calendar_boundaries() -> None:
    months = date_ticks(date(2019, 11, 20), date(2020, 4, 2), 1000, 12)
    years = date_ticks(date(2005, 6, 1), date(2024, 6, 1), 500, 12)

    assert months == [
        (date(2019, 12, 1), "Dec 2019"),
        (date(2020, 1, 1), "Jan 2020"),
        (date(2020, 2, 1), "Feb 2020"),
        (date(2020, 3, 1), "Mar 2020"),
        (date(2020, 4, 1), "Apr 2020"),
    ]
    assert [label for _, label in years] == ["2010", "2015", "2020"]  # 2-yearly would not fit


def test_a_very_long_span_in_a_narrow_space_still_gets_ticks() -> None:
    ticks = date_ticks(date(1800, 1, 1), date(2100, 1, 1), 100, 12)

    assert [label for _, label in ticks] == ["1800", "1850", "1900", "1950", "2000", "2050", "2100"]


def test_numbers_are_short_and_exact_where_it_matters() -> None:
    assert [num(v) for v in (1.0, 1.234, -0.001, 12.5)] == ["1", "1.23", "0", "12.5"]
    assert [exact(v) for v in (30.0, 4.285714285714286, 0.3)] == ["30", "4.285714285714286", "0.3"]
    assert clean("a\x00b\x0bc\n") == "abc\n"
    assert text_width("ill", 10) < text_width("mmm", 10)
