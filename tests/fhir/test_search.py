"""Search parameters: tokens, references, dates with prefixes, _count, strict handling."""

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from app.fhir.errors import InvalidRequest
from app.fhir.search import (
    Instants,
    TokenParam,
    check_format,
    parse_count,
    parse_date,
    parse_reference,
    parse_token,
    prefer_handling,
    self_link,
    understood,
)

from .records import PATIENT_ID


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2016-05-10", Instants(utc(2016, 5, 10), utc(2016, 5, 11))),
        ("eq2016-05", Instants(utc(2016, 5, 1), utc(2016, 6, 1))),
        ("ge2016-01-01", Instants(utc(2016, 1, 1), None)),
        ("gt2016", Instants(utc(2017, 1, 1), None)),
        ("lt2016-12", Instants(None, utc(2016, 12, 1))),
        ("le2016-12", Instants(None, utc(2017, 1, 1))),
        ("le2016-02-29", Instants(None, utc(2016, 3, 1))),
        ("ge2016-05-10T08:00:00Z", Instants(utc(2016, 5, 10, 8), None)),
        ("eq2016-05-10T08:00:00Z", Instants(utc(2016, 5, 10, 8), utc(2016, 5, 10, 8, 0, 1))),
        ("eq2016-05-10T08:00Z", Instants(utc(2016, 5, 10, 8), utc(2016, 5, 10, 8, 1))),
        ("eq2016-05-10T09:00+01:00", Instants(utc(2016, 5, 10, 8), utc(2016, 5, 10, 8, 1))),
    ],
)
def test_dates(value: str, expected: Instants) -> None:
    assert parse_date("date", value) == expected


def test_dates_without_time_belong_to_the_clinical_zone() -> None:
    rome = parse_date("date", "2016-05-10", ZoneInfo("Europe/Rome"))

    assert rome.lower == datetime(2016, 5, 10, tzinfo=timezone(timedelta(hours=2)))
    assert rome.upper is not None
    assert rome.upper - rome.lower == timedelta(days=1)


def test_repeated_dates_narrow() -> None:
    window = parse_date("date", "ge2016-01-01").narrowed(parse_date("date", "lt2016-07"))
    tighter = window.narrowed(Instants(utc(2016, 3, 1), utc(2016, 12, 1)))

    assert window == Instants(utc(2016, 1, 1), utc(2016, 7, 1))
    assert tighter == Instants(utc(2016, 3, 1), utc(2016, 7, 1))


@pytest.mark.parametrize(
    "value",
    ["", "16-05-10", "2016-13-01", "2016-05-10T08:00:00", "ne2016", "ap2016-05", "2016-05-1x"],
)
def test_bad_dates(value: str) -> None:
    with pytest.raises(InvalidRequest) as refused:
        parse_date("date", value)
    assert refused.value.issues[0].expression == ("date",)


def test_tokens() -> None:
    assert parse_token("code", "http://loinc.org|1988-5") == TokenParam(
        "http://loinc.org", "1988-5"
    )
    assert parse_token("code", "1988-5") == TokenParam(None, "1988-5")
    assert parse_token("code", "|local") == TokenParam(None, "local", no_system=True)
    with pytest.raises(InvalidRequest):
        parse_token("code", "http://loinc.org|")


def test_references() -> None:
    assert parse_reference("patient", f"Patient/{PATIENT_ID}", "Patient") == PATIENT_ID
    assert parse_reference("patient", PATIENT_ID.upper(), "Patient") == PATIENT_ID
    for bad in ("Patient/TO-0001", f"Group/{PATIENT_ID}", "", f"{{{PATIENT_ID}}}"):
        with pytest.raises(InvalidRequest):
            parse_reference("patient", bad, "Patient")


def test_count() -> None:
    assert parse_count(None) == 50
    assert parse_count("10") == 10
    assert parse_count("5000") == 500
    for bad in ("0", "-1", "ten", ""):
        with pytest.raises(InvalidRequest):
            parse_count(bad)


def test_unknown_parameters_are_dropped_or_refused() -> None:
    params = [("patient", "x"), ("_sort", "date"), ("_count", "10"), ("code", "a")]

    assert understood(params, {"patient", "code"}, strict=False) == [
        ("patient", "x"), ("_count", "10"), ("code", "a"),
    ]  # fmt: skip
    with pytest.raises(InvalidRequest) as refused:
        understood(params, {"patient", "code"}, strict=True)
    assert refused.value.issues[0].expression == ("_sort",)


def test_prefer_and_format() -> None:
    assert prefer_handling("handling=strict") == "strict"
    assert prefer_handling("return=minimal, handling = lenient") == "lenient"
    assert prefer_handling("handling=sloppy") is None
    assert prefer_handling(None) is None
    check_format(None)
    check_format("application/fhir+json")
    with pytest.raises(InvalidRequest):
        check_format("xml")


def test_self_link() -> None:
    server = "https://tr.example/fhir"

    assert self_link(server, "Flag", []) == f"{server}/Flag"
    assert self_link(server, "Observation", [("code", "http://loinc.org|1988-5")]) == (
        f"{server}/Observation?code=http%3A%2F%2Floinc.org%7C1988-5"
    )
