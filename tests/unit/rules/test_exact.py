from decimal import Decimal

import pytest

from app.rules.exact import Number, Reading, exact, reported
from app.rules.inputs import LabResult
from app.rules.labs import numeric_value, reading, to_canonical

from .builders import lab

D = Decimal


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        (0.57, D("0.57")),  # the decimal the sender wrote, not 0.5699999999999999511...
        (0.1 + 0.2, D("0.30000000000000004")),  # a float sum stays what it is
        (7, D(7)),
        (D("7.30"), D("7.30")),
        (1e-7, D("1E-7")),
    ],
)
def test_a_float_is_read_as_the_decimal_it_prints_as(number: Number, expected: Decimal) -> None:
    assert exact(number) == expected


@pytest.mark.parametrize("number", [float("nan"), float("inf"), D("-Infinity")])
def test_non_finite_numbers_are_refused(number: Number) -> None:
    with pytest.raises(ValueError, match="finite"):
        exact(number)


@pytest.mark.parametrize(
    ("value", "factor", "expected"),
    [
        (0.57, 10, D("5.7")),  # not 5.699999999999999
        (0.57, 10.0, D("5.7")),
        (D("2.99"), 10, D("29.9")),
        (2.5, 100, D("250")),  # g/L -> mg/dL
        (250, 1, D("250")),
    ],
)
def test_to_canonical_is_exact(value: Number, factor: Number, expected: Decimal) -> None:
    assert to_canonical(value, factor) == expected


def test_to_canonical_keeps_a_value_at_its_own_limit() -> None:
    # Issue 11, defect 1: 38 values of 0.01-2.99 mg/dL failed their own limit in floats.
    failures = [n for n in range(1, 300) if to_canonical(float(D(n) / 100), 10.0) != D(n) / 10]

    assert failures == []


@pytest.mark.parametrize(
    ("value", "expected"), [(D("1.005"), 1.01), (D("2.5995"), 2.6), (D("-10.015"), -10.02)]
)
def test_reported_rounds_half_up_to_two_decimals(value: Decimal, expected: float) -> None:
    assert reported(value) == expected


LIMIT = D(5)


@pytest.mark.parametrize(
    ("comparator", "value", "at_most", "below"),
    [
        (None, "4.99", True, True),
        (None, "5", True, False),
        (None, "5.01", False, False),
        ("<", "5", True, True),  # true value below 5
        ("<", "4", True, True),
        ("<", "6", None, None),  # could be 4 or 5.5
        ("<=", "5", True, None),  # could be exactly 5
        ("<=", "4.9", True, True),
        ("<=", "6", None, None),
        (">", "5", False, False),  # true value above 5
        (">", "6", False, False),
        (">", "4", None, None),
        (">=", "5", None, False),  # could be exactly 5
        (">=", "5.1", False, False),
        (">=", "4", None, None),
    ],
)
def test_censored_values_answer_only_what_they_can(
    comparator: str | None, value: str, at_most: bool | None, below: bool | None
) -> None:
    censored = Reading(D(value), comparator)

    assert (censored.at_most(LIMIT), censored.below(LIMIT)) == (at_most, below)


@pytest.mark.parametrize(
    ("comparator", "value", "shown"),
    [(None, "0.30", 0.3), ("<", "0.30", "<0.3"), (">=", "200", ">=200"), ("<", "1E+2", "<100")],
)
def test_a_reading_is_shown_as_sent(comparator: str | None, value: str, shown: object) -> None:
    assert Reading(D(value), comparator).shown() == shown


def crp(
    value: float | None = None,
    text: str | None = None,
    unit: str | None = None,
    comparator: str | None = None,
) -> LabResult:
    return lab("r", "crp", "2016-05-10", value, text, unit=unit, comparator=comparator)


@pytest.mark.parametrize(
    ("result", "expected"),
    [
        (crp(3.0), Reading(D("3.0"), None, "mg/L")),
        (crp(3.0, unit="mg/L"), Reading(D("3.0"), None, "mg/L")),
        (crp(3.0, comparator="<"), Reading(D("3.0"), "<", "mg/L")),
        (crp(3.0, comparator="~"), None),  # an unknown comparator is not guessed
        (crp(0.3, unit="mg/dL"), None),  # not the rules' unit
        (crp(80.0, unit="{titer}"), None),  # a titer is only an anti-dsDNA reading
        (crp(text="positive"), None),
    ],
)
def test_reading_a_crp_result(result: LabResult, expected: Reading | None) -> None:
    assert reading(result) == expected


def test_a_titer_is_read_for_anti_dsdna_in_its_own_unit() -> None:
    titer = lab("t", "anti_dsdna", "2016-05-10", 80.0, unit="{titer}")

    assert reading(titer) == Reading(D("80.0"), None, "{titer}")


def test_numeric_value_needs_an_uncensored_number() -> None:
    assert numeric_value(lab("a", "esr", "2016-05-10", 12.0)) == D(12)
    assert numeric_value(lab("b", "esr", "2016-05-10", 2.0, comparator="<")) is None
    assert numeric_value(lab("c", "other", "2016-05-10", 2.0)) is None  # no rule unit
