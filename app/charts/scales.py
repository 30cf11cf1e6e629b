"""Scales and ticks: linear maps from data to pixels, round value ticks, calendar date ticks."""

import math
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from app.charts.svg import text_width

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# Tick steps, finest first: (unit, count). The first that leaves room for its labels is used.
DATE_STEPS = (
    ("day", 1),
    ("day", 2),
    ("day", 7),
    ("day", 14),
    ("month", 1),
    ("month", 2),
    ("month", 3),
    ("month", 6),
    ("year", 1),
    ("year", 2),
    ("year", 5),
    ("year", 10),
    ("year", 20),
    ("year", 50),
)


@dataclass(frozen=True)
class Linear:
    """Maps [low, high] onto [start, end] pixels; a zero-width domain maps to the middle."""

    low: float
    high: float
    start: float
    end: float

    def __call__(self, value: float) -> float:
        if self.high == self.low:
            return (self.start + self.end) / 2
        share = (value - self.low) / (self.high - self.low)
        return self.start + share * (self.end - self.start)


@dataclass(frozen=True)
class DateScale:
    """Days onto pixels: a day's position is its start (midnight)."""

    first: date
    last: date
    start: float
    end: float

    def __call__(self, day: date) -> float:
        span = (self.last - self.first).days or 1
        share = (day - self.first).days / span
        return self.start + share * (self.end - self.start)


def nice_step(rough: float) -> Decimal:
    """The step of 1, 2, 2.5 or 5 times a power of ten nearest above `rough` (> 0)."""
    power = Decimal(10) ** math.floor(math.log10(rough))
    for factor in (1, 2, Decimal("2.5"), 5):
        if power * factor >= Decimal(repr(rough)):
            return power * factor
    return power * 10


def value_ticks(maximum: float, count: int = 5) -> list[Decimal]:
    """Round ticks from 0 up to the first one at or above `maximum` (at least one step),
    about `count` of them. Decimals, so the labels read 0.3, never 0.30000000000000004."""
    step = nice_step(maximum / count if maximum > 0 else 1 / count)
    steps = max(1, math.ceil(Decimal(repr(maximum)) / step)) if maximum > 0 else count
    return [step * i for i in range(steps + 1)]


def tick_label(value: Decimal, step: Decimal) -> str:
    """The value with as many decimals as the step has (step 0.2: 0.0, 0.2 ... 1.0)."""
    exponent = step.normalize().as_tuple().exponent
    decimals = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return f"{value:.{decimals}f}"


def _aligned(day: date, unit: str, count: int) -> date:
    """The first tick on or after `day`: day steps from `day` itself, months on the 1st of a
    month divisible by the step (Jan, Apr, ...), years on 1 January of a divisible year."""
    if unit == "day":
        return day
    if unit == "month":
        index = day.year * 12 + day.month - 1 + (day.day > 1)
        index += -index % count
        return date(index // 12, index % 12 + 1, 1)
    year = day.year + (day > date(day.year, 1, 1))
    return date(year + -year % count, 1, 1)


def _after(day: date, unit: str, count: int) -> date:
    if unit == "day":
        return day + timedelta(days=count)
    if unit == "month":
        index = day.year * 12 + day.month - 1 + count
        return date(index // 12, index % 12 + 1, 1)
    return date(day.year + count, 1, 1)


def _label(day: date, unit: str) -> str:
    if unit == "day":
        return f"{day.day} {MONTHS[day.month - 1]} {day.year}"
    if unit == "month":
        return f"{MONTHS[day.month - 1]} {day.year}"
    return str(day.year)


def _ticks(first: date, last: date, unit: str, count: int) -> list[date]:
    ticks = []
    day = _aligned(first, unit, count)
    while day <= last:
        ticks.append(day)
        day = _after(day, unit, count)
    return ticks


def date_ticks(first: date, last: date, width: float, font_size: float) -> list[tuple[date, str]]:
    """Calendar ticks between two dates (inclusive) with labels: days, months or years,
    the finest step whose labels fit side by side in `width` pixels."""
    for unit, count in DATE_STEPS:
        ticks = _ticks(first, last, unit, count)
        widest = max((text_width(_label(day, unit), font_size) for day in ticks), default=0)
        if len(ticks) * (widest + 24) <= width:
            return [(day, _label(day, unit)) for day in ticks]
    unit, count = DATE_STEPS[-1]
    return [(day, _label(day, unit)) for day in _ticks(first, last, unit, count)]
