from datetime import date
from decimal import Decimal

import pytest

from app.rules.doses import Dose, current_dose, dose_on, dose_spans
from app.rules.inputs import DoseChange

from .builders import change, day, regimen

TOCI = regimen(
    "toci", "tocilizumab", "2016-01-10", dose=4, unit="mg/kg", interval_days=28,
    changes=(change("up", "2016-03-06", 8, "mg/kg"),
             change("wide", "2016-09-04", 8, "mg/kg", interval_days=35)),
)  # fmt: skip
START = Dose(Decimal(4), "mg/kg", 28, day("2016-01-10"))
UP = Dose(Decimal(8), "mg/kg", 28, day("2016-03-06"), "up")  # the omitted interval is kept
WIDE = Dose(Decimal(8), "mg/kg", 35, day("2016-09-04"), "wide")


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        ("2016-01-10", START),
        ("2016-03-05", START),
        ("2016-03-06", UP),  # effective on its date
        ("2016-09-03", UP),
        ("2016-09-04", WIDE),
        ("2030-01-01", WIDE),
    ],
)
def test_the_dose_in_force_is_the_latest_change_on_or_before_the_day(
    on: str, expected: Dose
) -> None:
    assert dose_on(TOCI, day(on)) == expected


@pytest.mark.parametrize(
    ("changes", "on", "expected"),
    [
        pytest.param((change("x", "2016-03-06", 8, entered_in_error=True),), "2016-04-01",
                     Dose(Decimal(10), "mg/day", None, day("2016-01-10")), id="entered in error"),
        pytest.param((change("b", "2016-05-01", 5), change("a", "2016-03-01", 7.5)), "2016-04-01",
                     Dose(Decimal("7.5"), "mg/day", None, day("2016-03-01"), "a"),
                     id="given out of order"),
        pytest.param((change("a", "2016-03-01", 7.5), change("b", "2016-03-01", 5)), "2016-03-01",
                     Dose(Decimal(5), "mg/day", None, day("2016-03-01"), "b"),
                     id="same date: the later one given"),
        pytest.param((change("a", "2016-03-01", 20, "mg", interval_days=2),), "2016-03-01",
                     Dose(Decimal(20), "mg", 2, day("2016-03-01"), "a"), id="unit may change"),
    ],
)  # fmt: skip
def test_dose_changes(changes: tuple[DoseChange, ...], on: str, expected: Dose) -> None:
    taper = regimen("p", "prednisone", "2016-01-10", changes=changes)

    assert dose_on(taper, day(on)) == expected


@pytest.mark.parametrize(
    ("end", "on", "expected"),
    [
        (None, "2016-04-01", UP),
        ("2016-06-30", "2016-06-30", UP),
        ("2016-06-30", "2016-07-01", None),  # ended
        (None, "2016-01-09", None),  # not started yet
    ],
)
def test_current_dose(end: str | None, on: str, expected: Dose | None) -> None:
    plan = regimen("toci", "tocilizumab", "2016-01-10", end, dose=4, unit="mg/kg",
                   interval_days=28, changes=TOCI.dose_changes)  # fmt: skip

    assert current_dose(plan, day(on)) == expected


def test_dose_spans_cover_the_regimen_dates_only() -> None:
    taper = regimen(
        "p", "prednisone", "2016-01-10", "2016-06-30", dose=15,
        changes=(change("early", "2016-01-01", 12.5), change("a", "2016-02-01", 10),
                 change("b", "2016-04-01", 7.5), change("c", "2016-04-01", 7.0),
                 change("late", "2016-07-01", 5)),
    )  # fmt: skip

    spans = [(first, dose.value, dose.change_id) for first, dose in dose_spans(taper)]

    assert spans == [
        (date(2016, 1, 10), Decimal("12.5"), "early"),  # a change dated before the start
        (date(2016, 2, 1), Decimal(10), "a"),
        (date(2016, 4, 1), Decimal("7.0"), "c"),
    ]
