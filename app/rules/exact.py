"""Exact numbers at every threshold (clinical-rules.md, second edition, "Exact arithmetic").

Inputs arrive as floats (the database stores doubles), ints or Decimals. A float is read
as the decimal its sender wrote, `Decimal(repr(x))`: 0.57 is 0.57, not the binary
0.569999999999999951150... Every comparison against a limit is then made on decimals, so
0.57 mg/dL x 10 is exactly 5.7 mg/L and 7.3 + 0.2 mg/day is exactly 7.5 mg/day.

Censored lab values ('<5', '>=200') only say on which side of a number the true value
lies; `Reading` answers a comparison with True, False, or None when it cannot tell.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

Number = Decimal | float | int
COMPARATORS = frozenset({"<", "<=", ">", ">="})
_CENTS = Decimal("0.01")


def exact(number: Number) -> Decimal:
    """The decimal the sender wrote: a float becomes `Decimal(repr(x))`, the shortest
    decimal that reads back as the same double; an int or a Decimal is taken as it is."""
    value = Decimal(repr(number)) if isinstance(number, float) else Decimal(number)
    if not value.is_finite():
        raise ValueError("the rules read finite numbers only")
    return value


def optional(number: Number | None) -> Decimal | None:
    return None if number is None else exact(number)


def reported(value: Decimal) -> float:
    """A result as reported: rounded half up to 2 decimals (the comparison used the exact
    value), as the float a JSON body carries."""
    return float(value.quantize(_CENTS, rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class Reading:
    """A numeric result: `value` exactly, or bounded by it when `comparator` is set
    ('<x': the true value is below x; '>=x': at or above x; ...)."""

    value: Decimal
    comparator: str | None = None
    unit: str | None = None

    @property
    def censored(self) -> bool:
        return self.comparator is not None

    def shown(self) -> float | str:
        """The value as reported: a number, or the censored text such as '<0.3'."""
        if self.comparator is None:
            return float(self.value)
        return f"{self.comparator}{self.value.normalize():f}"

    def at_most(self, limit: Decimal) -> bool | None:
        """Is the true value <= limit? None when a censored value cannot tell."""
        x, comparator = self.value, self.comparator
        if comparator is None:
            return x <= limit
        if comparator in ("<", "<="):
            return True if x <= limit else None
        # '>x' is above a limit at or below x; '>=x' only above a limit below x.
        if x > limit or (comparator == ">" and x == limit):
            return False
        return None

    def below(self, limit: Decimal) -> bool | None:
        """Is the true value < limit? None when a censored value cannot tell."""
        x, comparator = self.value, self.comparator
        if comparator is None:
            return x < limit
        if comparator == "<":
            return True if x <= limit else None
        if comparator == "<=":
            return True if x < limit else None
        return False if x >= limit else None
