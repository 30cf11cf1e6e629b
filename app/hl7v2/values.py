"""HL7 v2 data types read into our values: NM and SN numbers, OBX-7 ranges, TS timestamps.

Each reader takes the text of one (unescaped) component and raises `FieldProblem` naming the
OBX field; no reader puts the value itself into its message (it is patient data).
"""

import math
import re
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from app.hl7v2.model import ErrorCode

# HL7 NM: optional sign, digits, optional decimal point (no exponent, no NaN, no spaces).
_NM = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)"
_NM_RE = re.compile(_NM)
_UNSIGNED = r"(?:\d+(?:\.\d*)?|\.\d+)"
_RANGE_RE = re.compile(rf"(?P<low>{_UNSIGNED})\s*-\s*(?P<high>{_UNSIGNED})")
_BOUND_RE = re.compile(rf"(?P<op><=|<|>=|>)\s*(?P<bound>{_UNSIGNED})")
# TS / DTM at minute precision or finer: YYYYMMDDHHMM[SS[.S{1,6}]][+/-ZZZZ].
_TS_RE = re.compile(
    r"(?P<local>\d{12})(?P<seconds>\d{2}(?:\.\d{1,6})?)?(?:(?P<sign>[+-])(?P<hh>\d{2})(?P<mm>\d{2}))?"
)
SN_COMPARATORS = {"": None, "=": None, "<": "<", "<=": "<=", ">": ">", ">=": ">="}


class FieldProblem(Exception):
    """Why one OBX field cannot be read; becomes that OBX's ERR."""

    def __init__(self, field: int | None, code: ErrorCode, text: str) -> None:
        super().__init__(text)
        self.field = field
        self.code = code
        self.text = text


def number(text: str) -> float:
    """An HL7 NM value (OBX-5) as a finite float."""
    if not _NM_RE.fullmatch(text):
        raise FieldProblem(5, ErrorCode.DATA_TYPE, "OBX-5 is not an HL7 NM number")
    value = float(text)
    if not math.isfinite(value):
        raise FieldProblem(5, ErrorCode.DATA_TYPE, "OBX-5 is out of range")
    return value


def structured_numeric(components: list[str]) -> tuple[str | None, float]:
    """An HL7 SN (comparator ^ num1 ^ separator ^ num2) as (comparator, value).

    Only a single number with an optional `<`, `<=`, `>`, `>=` (or `=`) fits a lab result;
    ranges and ratios (`1^-^5`, `1^:^40`) are refused rather than reduced to one bound.
    """
    comparator, num1, separator, num2 = [*components, "", "", "", ""][:4]
    if comparator not in SN_COMPARATORS:
        raise FieldProblem(5, ErrorCode.DATA_TYPE, "OBX-5 SN comparator is not <, <=, >, >= or =")
    if separator or num2 or len(components) > 4:
        raise FieldProblem(5, ErrorCode.DATA_TYPE, "OBX-5 SN ranges and ratios are not accepted")
    if not num1:
        raise FieldProblem(5, ErrorCode.REQUIRED_FIELD_MISSING, "OBX-5 SN has no number")
    return SN_COMPARATORS[comparator], number(num1)


def reference_range(text: str) -> dict[str, float | None] | None:
    """OBX-7 as {low, high}: `0-5` -> 0..5, `<5` and `<=5` -> high 5, `>1` and `>=1` -> low 1;
    empty -> None."""
    text = text.strip()
    if not text:
        return None
    if both := _RANGE_RE.fullmatch(text):
        low, high = float(both["low"]), float(both["high"])
        if low > high:
            raise FieldProblem(7, ErrorCode.DATA_TYPE, "OBX-7 range has its low above its high")
        return {"low": low, "high": high}
    if one := _BOUND_RE.fullmatch(text):
        bound = float(one["bound"])
        return {"low": None, "high": bound} if one["op"][0] == "<" else {"low": bound, "high": None}
    raise FieldProblem(7, ErrorCode.DATA_TYPE, "OBX-7 is not a range like 0-5, <5, <=5 or >1")


def timestamp(text: str, zone: ZoneInfo, source: str = "OBX-14") -> datetime:
    """An HL7 TS/DTM (at least to the minute) as an aware UTC datetime; without an offset
    it is a wall-clock time in `zone`, refused when that time does not exist there or
    happens twice (a DST change): guessing would move a result by an hour.

    Not `hl7.parse_datetime`: it accepts trailing garbage and date-only values and gets the
    sign of `-00MM` offsets wrong.
    """
    match = _TS_RE.fullmatch(text)
    if match is None:
        raise _time_problem(f"{source} is not an HL7 timestamp YYYYMMDDHHMM[SS][+ZZZZ]")
    try:
        local = _wall_clock(match["local"], match["seconds"])
        if match["sign"] is None:
            return _in_zone(local, zone, source)
        offset = _offset(match["sign"], match["hh"], match["mm"])
    except ValueError as exc:
        raise _time_problem(f"{source} is not a valid date and time") from exc
    return local.replace(tzinfo=offset).astimezone(UTC)


def _time_problem(text: str) -> FieldProblem:
    return FieldProblem(14, ErrorCode.DATA_TYPE, text)


def _wall_clock(digits: str, seconds: str | None) -> datetime:
    whole, _, fraction = (seconds or "00").partition(".")
    return datetime(
        int(digits[0:4]),
        int(digits[4:6]),
        int(digits[6:8]),
        int(digits[8:10]),
        int(digits[10:12]),
        int(whole),
        int(fraction.ljust(6, "0")),
    )


def _offset(sign: str, hours: str, minutes: str) -> timezone:
    if int(minutes) >= 60:
        raise ValueError("offset minutes")
    delta = timedelta(hours=int(hours), minutes=int(minutes))
    return timezone(-delta if sign == "-" else delta)  # ValueError beyond 24 h


def _in_zone(local: datetime, zone: ZoneInfo, source: str) -> datetime:
    early = local.replace(tzinfo=zone, fold=0)
    if early.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != local:
        raise _time_problem(f"{source} has no offset and that local time does not exist")
    if early.utcoffset() != local.replace(tzinfo=zone, fold=1).utcoffset():
        raise _time_problem(f"{source} has no offset and that local time happens twice")
    return early.astimezone(UTC)
