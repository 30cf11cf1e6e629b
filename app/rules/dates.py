"""Calendar arithmetic in the clinical time zone.

A timestamp belongs to the calendar date it has in the clinical time zone;
"within N days up to a date" means from that date - N days to that date, both included.
Every window counts clinical-time-zone days at both ends; `window_bounds` gives the
loaders the UTC instants of such a window, so a query cannot disagree with the rules.
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

ONE_DAY = timedelta(days=1)
ZERO = timedelta(0)


def instant(moment: datetime) -> datetime:
    """The moment as an aware datetime; a naive one is read as UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def clinical_date(moment: datetime, timezone_name: str) -> date:
    if moment.tzinfo is UTC and timezone_name == "UTC":
        return moment.date()  # the rules' hottest line (rows arrive in UTC): no offset asked
    aware = instant(moment)
    if timezone_name == "UTC" and aware.utcoffset() == ZERO:
        return aware.date()  # another zone object at offset 0: no conversion
    return aware.astimezone(ZoneInfo(timezone_name)).date()


def window_bounds(first_day: date, last_day: date, timezone_name: str) -> tuple[datetime, datetime]:
    """The UTC instants (start, end) of the clinical days `first_day` to `last_day`, both
    included: a timestamp belongs to one of those days exactly when start <= it < end.

    Each bound is local midnight (a midnight skipped by a DST change maps to the instant
    of the change, where that day begins). E.g. the 30 days before 2016-05-31 in
    Europe/Madrid: `window_bounds(date(2016, 5, 1), date(2016, 5, 31), "Europe/Madrid")`
    = (2016-04-30T22:00Z, 2016-05-31T22:00Z).
    """
    zone = ZoneInfo(timezone_name)
    start = datetime.combine(first_day, time.min, zone).astimezone(UTC)
    end = datetime.combine(last_day + ONE_DAY, time.min, zone).astimezone(UTC)
    return start, end


def days_before(day: date, days: int) -> date:
    return day - timedelta(days=days)


def within(day: date, last_day: date, days: int) -> bool:
    """True when `day` is in the `days` days up to `last_day`, both ends included."""
    return days_before(last_day, days) <= day <= last_day


def age_in_years(birth_date: date, on: date) -> int:
    """Age in whole years on a date."""
    birthday_pending = (on.month, on.day) < (birth_date.month, birth_date.day)
    return on.year - birth_date.year - int(birthday_pending)
