from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.rules.dates import clinical_date, days_before, window_bounds
from app.rules.safety import safety_alerts
from app.rules.settings import RuleSettings

from .builders import lab, records, regimen

MADRID = "Europe/Madrid"


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("first", "last", "zone", "bounds"),
    [
        ("2016-05-01", "2016-05-31", MADRID, ("2016-04-30T22:00", "2016-05-31T22:00")),
        ("2016-05-01", "2016-05-31", "UTC", ("2016-05-01T00:00", "2016-06-01T00:00")),
        # New York: winter -05:00, summer -04:00 (DST began 2016-03-13).
        ("2016-03-01", "2016-03-31", "America/New_York", ("2016-03-01T05:00", "2016-04-01T04:00")),
        # Santiago moved its clocks at midnight: 2016-08-14 began at 01:00 local (04:00Z).
        ("2016-08-14", "2016-08-14", "America/Santiago", ("2016-08-14T04:00", "2016-08-15T03:00")),
        # Samoa skipped 2011-12-30 entirely: that day has no instant.
        ("2011-12-30", "2011-12-30", "Pacific/Apia", ("2011-12-30T10:00", "2011-12-30T10:00")),
    ],
)
def test_window_bounds(first: str, last: str, zone: str, bounds: tuple[str, str]) -> None:
    result = window_bounds(date.fromisoformat(first), date.fromisoformat(last), zone)

    assert result == (utc(bounds[0]), utc(bounds[1]))


ZONES = ["UTC", MADRID, "America/New_York", "America/Santiago", "Pacific/Apia", "Asia/Kolkata",
         "Pacific/Chatham", "Australia/Lord_Howe"]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    moment=st.datetimes(datetime(2000, 1, 1), datetime(2030, 1, 1), timezones=st.just(UTC)),
    first_offset=st.integers(-40, 5),
    length=st.integers(0, 40),
)
def test_a_timestamp_is_inside_the_bounds_exactly_when_its_clinical_date_is(
    zone: str, moment: datetime, first_offset: int, length: int
) -> None:
    # A window placed near the moment, so both outcomes occur.
    first = clinical_date(moment, zone) + timedelta(days=first_offset)
    last = first + timedelta(days=length)
    start, end = window_bounds(first, last, zone)

    assert (start <= moment < end) is (first <= clinical_date(moment, zone) <= last)


def test_the_madrid_day_30_neutrophil_alert() -> None:
    """Issue 11, defect 2: a count collected at 00:30 on 1 May in Madrid is inside the 30
    days before 31 May, for the rules and for a loader that uses `window_bounds`."""
    collected = datetime.fromisoformat("2016-05-01T00:30:00+02:00")
    neutrophils = replace(lab("neut", "neutrophils", "2016-05-01", 0.4), collected_at=collected)
    patient_records = records(
        regimens=(regimen("toci", "tocilizumab", "2016-01-01", dose=8, unit="mg/kg"),),
        labs=(neutrophils,),
    )
    as_of = date(2016, 5, 31)
    madrid = RuleSettings(clinical_timezone=MADRID)

    alerts = safety_alerts(patient_records, as_of, madrid)
    start, end = window_bounds(days_before(as_of, madrid.safety_window_days), as_of, MADRID)

    assert [(a.action, a.source_id) for a in alerts] == [("discontinue", "neut")]
    assert start <= collected < end
    assert collected < utc("2016-05-01T00:00")  # what a UTC-midnight loader would drop
    assert safety_alerts(patient_records, as_of + timedelta(days=1), madrid) == ()
