"""Search parameter parsing (FHIR R4 search rules) for the routes to turn into queries."""

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from urllib.parse import urlencode

from app.fhir.errors import InvalidRequest
from app.fhir.ids import record_id

# Result parameters every search understands besides its own.
COMMON = frozenset({"_count", "_format"})
JSON_FORMATS = frozenset({"json", "application/json", "application/fhir+json"})
MAX_COUNT = 500
_DATE = re.compile(r"^(eq|ne|gt|lt|ge|le|sa|eb|ap)?(\d{4}(-\d{2}(-\d{2}(T.+)?)?)?)$")


def prefer_handling(prefer: str | None) -> str | None:
    """`strict` or `lenient` from a Prefer header (`handling=strict`), else None."""
    for part in (prefer or "").split(","):
        name, _, value = part.strip().partition("=")
        if name.strip() == "handling" and value.strip() in ("strict", "lenient"):
            return value.strip()
    return None


def understood(
    params: Sequence[tuple[str, str]], known: Collection[str], *, strict: bool
) -> list[tuple[str, str]]:
    """The parameters this search understands. Unknown ones are left out (and so out of
    `link` self), or with Prefer: handling=strict refused (400)."""
    kept = []
    for name, value in params:
        if name in known or name in COMMON:
            kept.append((name, value))
        elif strict:
            raise InvalidRequest(name, "unknown search parameter", code="not-supported")
    return kept


def check_format(value: str | None) -> None:
    """`_format`: JSON only."""
    if value is not None and value not in JSON_FORMATS:
        raise InvalidRequest("_format", "only JSON is served", code="not-supported")


def parse_count(value: str | None, default: int = 50) -> int:
    """`_count`: 1 to 500; more is capped (servers may return fewer than asked)."""
    if value is None:
        return default
    if not value.isdigit() or int(value) < 1:
        raise InvalidRequest("_count", "must be a positive integer")
    return min(int(value), MAX_COUNT)


@dataclass(frozen=True, slots=True)
class TokenParam:
    system: str | None  # None: any system
    code: str
    no_system: bool = False  # `|code`: only codes without a system


def parse_token(name: str, value: str) -> TokenParam:
    """`[system]|code`, `|code` or `code`."""
    system, bar, code = value.rpartition("|")
    if not code:
        raise InvalidRequest(name, "expected [system|]code")
    return TokenParam(system or None, code, no_system=bool(bar) and not system)


def parse_reference(name: str, value: str, resource_type: str) -> str:
    """`{type}/{id}` or `{id}` of one of our records -> the id (a canonical UUID)."""
    found = record_id(value.removeprefix(f"{resource_type}/"))
    if found is None:
        raise InvalidRequest(name, f"expected {resource_type}/<id> or <id>")
    return found


@dataclass(frozen=True, slots=True)
class Instants:
    """A half-open interval of instants: lower <= t < upper (None: unbounded)."""

    lower: datetime | None = None
    upper: datetime | None = None

    def narrowed(self, other: "Instants") -> "Instants":
        """Both conditions at once (repeated `date` parameters are ANDed)."""
        lower = max((t for t in (self.lower, other.lower) if t), default=None)
        upper = min((t for t in (self.upper, other.upper) if t), default=None)
        return Instants(lower, upper)


def parse_date(name: str, value: str, zone: tzinfo = UTC) -> Instants:
    """A date search value (`ge2016-01-01`, `lt2016-02`, `2016-05-10T08:00:00Z`) against an
    instant: eq, ge, gt, le, lt over the value's implicit range at its precision. Values
    without a time belong to `zone` (the clinical time zone)."""
    match = _DATE.match(value)
    if match is None:
        raise InvalidRequest(name, "expected [prefix]YYYY[-MM[-DD[Thh:mm[:ss][zone]]]]")
    prefix = match.group(1) or "eq"
    start, end = _range(name, match.group(2), zone)
    intervals = {
        "eq": Instants(start, end),
        "ge": Instants(start, None),
        "gt": Instants(end, None),
        "le": Instants(None, end),
        "lt": Instants(None, start),
    }
    if prefix not in intervals:
        raise InvalidRequest(name, f"prefix {prefix} is not supported", code="not-supported")
    return intervals[prefix]


def _range(name: str, text: str, zone: tzinfo) -> tuple[datetime, datetime]:
    """[start, end) of a date value at its precision: year, month, day, minute, second."""
    try:
        if "T" in text:
            start = datetime.fromisoformat(text)
            if start.tzinfo is None:
                raise ValueError("a time needs an offset")
            seconds_given = re.match(r"\d{2}:\d{2}:\d{2}", text.split("T")[1]) is not None
            return start, start + timedelta(seconds=1 if seconds_given else 60)
        parts = [int(p) for p in text.split("-")]
        first = date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)
    except ValueError:
        raise InvalidRequest(name, "not a valid date or time") from None
    if len(parts) == 3:
        after = first + timedelta(days=1)
    elif len(parts) == 2:
        after = (first + timedelta(days=31)).replace(day=1)
    else:
        after = first.replace(year=first.year + 1)
    return _midnight(first, zone), _midnight(after, zone)


def _midnight(day: date, zone: tzinfo) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=zone)


def self_link(server: str, resource_type: str, params: Sequence[tuple[str, str]]) -> str:
    """`link` self: the search with the parameters understood (FHIR servers drop others)."""
    query = urlencode(params)
    return f"{server}/{resource_type}" + (f"?{query}" if query else "")
