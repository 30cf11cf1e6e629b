"""Calendar arithmetic in the clinical time zone.

A timestamp belongs to the calendar date it has in the clinical time zone;
"within N days up to a date" means from that date - N days to that date, both included.
"""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

ONE_DAY = timedelta(days=1)
ZERO = timedelta(0)


def instant(moment: datetime) -> datetime:
    """The moment as an aware datetime; a naive one is read as UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def clinical_date(moment: datetime, timezone_name: str) -> date:
    aware = instant(moment)
    if timezone_name == "UTC" and aware.utcoffset() == ZERO:
        return aware.date()  # the common case, and the rules' hottest line: no conversion
    return aware.astimezone(ZoneInfo(timezone_name)).date()


def days_before(day: date, days: int) -> date:
    return day - timedelta(days=days)


def within(day: date, last_day: date, days: int) -> bool:
    """True when `day` is in the `days` days up to `last_day`, both ends included."""
    return days_before(last_day, days) <= day <= last_day


def age_in_years(birth_date: date, on: date) -> int:
    """Age in whole years on a date."""
    birthday_pending = (on.month, on.day) < (birth_date.month, birth_date.day)
    return on.year - birth_date.year - int(birthday_pending)
