from dataclasses import replace
from datetime import date, timedelta

import pytest

from app.rules.inputs import DrugFacts, Regimen
from app.rules.outcomes import Status
from app.rules.settings import RuleSettings
from app.rules.steroids import daily_prednisone_equivalent, steroid_dependent, steroid_timeline

from .builders import change, day, regimen

SETTINGS = RuleSettings()
AS_OF = day("2017-12-01")
MET, NOT_MET, UNKNOWN = Status.MET, Status.NOT_MET, Status.INSUFFICIENT_DATA


def before(days: int) -> str:
    return (AS_OF - timedelta(days=days)).isoformat()


@pytest.mark.parametrize(
    ("drug", "dose", "unit", "interval", "expected"),
    [
        ("prednisone", 10.0, "mg/day", None, 10.0),
        ("prednisolone", 7.5, "mg/day", None, 7.5),
        ("methylprednisolone", 6.0, "mg/day", None, 7.5),
        ("dexamethasone", 1.5, "mg/day", None, 10.005),
        ("hydrocortisone", 30.0, "mg/day", None, 7.5),
        ("deflazacort", 9.0, "mg/day", None, 7.47),
        ("triamcinolone", 6.0, "mg/day", None, 7.5),
        ("betamethasone", 1.5, "mg/day", None, 10.005),
        ("cortisone", 37.5, "mg/day", None, 7.5),
        ("budesonide", 9.0, "mg/day", None, None),  # no systemic factor: never guessed
        ("triamcinolone", 80.0, "mg", 28, 3.571),  # IM depot spread over 28 days
        ("prednisone", 15.0, "mg", 2, 7.5),  # alternate-day dosing, averaged
        ("prednisone", 15.0, "mg", None, None),
        ("prednisone", 0.1, "mg/kg", None, None),
        ("methotrexate", 15.0, "mg", 7, None),  # no prednisone factor
    ],
)
def test_prednisone_equivalent(
    drug: str, dose: float, unit: str, interval: int | None, expected: float | None
) -> None:
    result = daily_prednisone_equivalent(regimen("r", drug, dose=dose, unit=unit,
                                                 interval_days=interval))  # fmt: skip

    assert result == expected


UNKNOWN_DOSE = regimen("mp", "methylprednisolone", before(400), dose=1.0, unit="mg/kg")


@pytest.mark.parametrize(
    ("regimens", "expected"),
    [
        pytest.param((), NOT_MET, id="no glucocorticoid"),
        pytest.param((regimen("p", "prednisone", before(180), dose=7.5),), MET,
                     id="7.5 mg for 180 days before as_of"),
        pytest.param((regimen("p", "prednisone", before(179), dose=7.5),), NOT_MET,
                     id="only 179 days"),
        pytest.param((regimen("p", "prednisone", before(400), dose=7.4),), NOT_MET,
                     id="below 7.5"),
        pytest.param((regimen("p", "prednisone", before(400), before(1), dose=10),), NOT_MET,
                     id="ended the day before"),
        pytest.param((regimen("p", "prednisone", before(400), "2017-12-01", dose=10),), MET,
                     id="ends on as_of"),
        pytest.param((regimen("p", "prednisone", before(400), dose=5),
                      regimen("h", "hydrocortisone", before(200), dose=10)), MET,
                     id="overlapping regimens sum"),
        pytest.param((regimen("p", "prednisone", before(400), dose=5),
                      regimen("h", "hydrocortisone", before(100), dose=10)), NOT_MET,
                     id="overlap too short"),
        pytest.param((regimen("p", "prednisone", before(400), before(91), dose=10),
                      regimen("q", "prednisolone", before(90), dose=10)), MET,
                     id="back-to-back regimens keep the run"),
        pytest.param((regimen("p", "prednisone", before(400), before(92), dose=10),
                      regimen("q", "prednisolone", before(90), dose=10)), NOT_MET,
                     id="a one-day gap breaks the run"),
        pytest.param((regimen("p", "prednisone", before(400), dose=5), UNKNOWN_DOSE), UNKNOWN,
                     id="a dose of unknown size could make it met"),
        pytest.param((regimen("p", "prednisone", before(400), dose=10), UNKNOWN_DOSE), MET,
                     id="known doses suffice"),
        pytest.param((regimen("p", "prednisone", before(400), before(50), dose=10),
                      regimen("mp", "methylprednisolone", before(49), dose=1.0, unit="mg/kg")),
                     UNKNOWN, id="a run continued by a dose of unknown size"),
        pytest.param((regimen("p", "prednisone", before(400), dose=5),
                      regimen("mp", "methylprednisolone", before(100), dose=1.0, unit="mg/kg")),
                     NOT_MET, id="unknown dose too recent to matter"),
        pytest.param((regimen("p", "prednisone", before(100), before(300), dose=10),), NOT_MET,
                     id="end before start is ignored"),
        pytest.param((regimen("m", "methotrexate", before(400), dose=15),), NOT_MET,
                     id="not a glucocorticoid"),
    ],
)  # fmt: skip
def test_steroid_dependent_status(regimens: tuple[Regimen, ...], expected: Status) -> None:
    assert steroid_dependent(regimens, AS_OF, SETTINGS).status is expected


def test_threshold_and_duration_are_settings() -> None:
    settings = RuleSettings(steroid_threshold_mg_per_day=5.0, steroid_duration_days=30)
    regimens = (regimen("p", "prednisone", before(30), dose=5),)

    assert steroid_dependent(regimens, AS_OF, settings).status is MET
    assert steroid_dependent(regimens, AS_OF, SETTINGS).status is NOT_MET


def test_evidence_names_regimens_dose_and_run_start() -> None:
    old = regimen("old", "prednisone", "2010-01-01", "2016-01-01", dose=20)
    long = regimen("pred", "prednisone", before(300), dose=5)
    mp = regimen("mp", "methylprednisolone", before(200), dose=4)

    result = steroid_dependent((old, long, mp), AS_OF, SETTINGS)

    assert result.status is MET
    dose, run = result.criteria
    assert (dose.name, dose.status, dose.value, dose.limit) == (
        "dose_at_or_above_threshold",
        MET,
        10.0,
        7.5,
    )
    assert (run.name, run.status, run.value, run.limit, run.unit, run.observed_at) == (
        "days_at_or_above_threshold",
        MET,
        200,
        180,
        "days",
        day(before(200)),
    )
    assert result.evidence["run_start"] == day(before(200))
    assert result.evidence["current_dose_mg_per_day"] == 10.0
    regimens = result.evidence["regimens"]
    assert isinstance(regimens, list)
    assert [r["id"] for r in regimens] == ["pred", "mp"]
    assert regimens[1]["prednisone_equivalent_mg_per_day"] == 5.0
    assert result.summary == (
        "10.0 mg/day prednisone-equivalent on 2017-12-01, at or above 7.5 for 200 days"
    )


def test_below_threshold_has_no_run() -> None:
    result = steroid_dependent((UNKNOWN_DOSE,), AS_OF, SETTINGS)

    dose, run = result.criteria
    assert (dose.status, dose.value, run.value, run.status) == (UNKNOWN, 0.0, None, UNKNOWN)
    assert result.evidence["unknown_dose_regimens"] == 1
    assert result.summary == "0.0 mg/day prednisone-equivalent on 2017-12-01"


def test_timeline_has_starts_ends_and_the_day_a_run_reaches_180_days() -> None:
    regimens = (
        regimen("p", "prednisone", "2017-01-01", "2017-09-30", dose=10),
        regimen("q", "prednisone", "2017-03-01", "2017-03-31", dose=2),
        regimen("mp", "methylprednisolone", "2017-10-02", dose=1.0, unit="mg/kg"),
    )

    timeline = steroid_timeline(regimens, date(2018, 6, 1), SETTINGS)

    assert timeline == [
        (date(2017, 1, 1), NOT_MET),
        (date(2017, 3, 1), NOT_MET),
        (date(2017, 4, 1), NOT_MET),
        (date(2017, 6, 30), MET),  # 2017-01-01 + 180 days
        (date(2017, 10, 1), NOT_MET),  # end + 1 day
        (date(2017, 10, 2), NOT_MET),
        (date(2018, 3, 31), UNKNOWN),  # 2017-10-02 + 180 days, dose of unknown size
    ]


def test_timeline_stops_at_as_of() -> None:
    regimens = (regimen("p", "prednisone", "2017-01-01", dose=10),
                regimen("q", "prednisone", "2017-08-01", dose=1))  # fmt: skip

    assert steroid_timeline(regimens, date(2017, 6, 29), SETTINGS) == [(date(2017, 1, 1), NOT_MET)]


def test_exact_sums_do_not_drift() -> None:
    tenths = tuple(
        Regimen(str(n), DrugFacts("pred", "glucocorticoid", "gc", 1.0), 0.1, "mg/day", "oral",
                None, date(2017, 1, n + 1), date(2017, 1, 20))
        for n in range(10)
    )  # fmt: skip
    base = regimen("base", "prednisone", "2016-01-01", dose=6.5)

    result = steroid_dependent((base, *tenths), date(2017, 1, 20), SETTINGS)

    assert result.criteria[0].status is MET  # 6.5 + 10 x 0.1 == 7.5, not 7.4999...
    assert result.criteria[0].value == 7.5


@pytest.mark.parametrize(
    "regimens",
    [
        pytest.param((regimen("a", "prednisone", before(200), dose=7.3),
                      regimen("b", "prednisone", before(200), dose=0.2)), id="7.3 + 0.2"),
        pytest.param((regimen("a", "hydrocortisone", before(200), dose=0.8),
                      regimen("b", "prednisone", before(200), dose=7.3)), id="0.8 x 0.25 + 7.3"),
        pytest.param((regimen("a", "prednisone", before(200), dose=6.3),
                      regimen("b", "triamcinolone", before(200), dose=0.96)),
                     id="6.3 + 0.96 x 1.25"),
    ],
)  # fmt: skip
def test_regimens_summing_to_exactly_the_threshold_meet_it(regimens: tuple[Regimen, ...]) -> None:
    result = steroid_dependent(regimens, AS_OF, SETTINGS)

    assert (result.status, result.criteria[0].value) == (MET, 7.5)


@pytest.mark.parametrize(
    ("route", "expected"), [("oral", MET), ("im", MET), ("intra_articular", NOT_MET),
                            ("topical", NOT_MET)],
)  # fmt: skip
def test_only_systemic_routes_count(route: str, expected: Status) -> None:
    regimens = (
        regimen("p", "prednisone", before(400), dose=5),
        regimen("t", "triamcinolone", before(400), dose=80, unit="mg", interval_days=28,
                route=route),  # 80 mg / 28 days x 1.25 = 3.57 mg/day
    )  # fmt: skip

    assert steroid_dependent(regimens, AS_OF, SETTINGS).status is expected


def test_budesonide_days_are_insufficient_data_instead_of_a_guess() -> None:
    regimens = (
        regimen("p", "prednisone", before(400), dose=5),
        regimen("b", "budesonide", before(300), dose=9),
    )

    result = steroid_dependent(regimens, AS_OF, SETTINGS)

    assert result.status is UNKNOWN
    assert result.evidence["unknown_dose_regimens"] == 1


TAPER = regimen(
    "p", "prednisone", "2017-01-01", dose=15,
    changes=(change("10", "2017-08-01", 10), change("7.5", "2017-09-01", 7.5),
             change("5", "2017-10-01", 5)),
)  # fmt: skip


def test_a_taper_by_dose_changes_ends_dependence_the_day_it_falls_below_the_threshold() -> None:
    timeline = steroid_timeline((TAPER,), date(2018, 1, 1), SETTINGS)

    assert timeline == [
        (date(2017, 1, 1), NOT_MET),
        (date(2017, 6, 30), MET),  # 180 days at 15 mg/day
        (date(2017, 8, 1), MET),  # 10 mg/day
        (date(2017, 9, 1), MET),  # 7.5 mg/day: still at the threshold
        (date(2017, 10, 1), NOT_MET),  # 5 mg/day
    ]


def test_a_taper_reports_the_dose_in_force() -> None:
    result = steroid_dependent((TAPER,), date(2017, 9, 15), SETTINGS)

    assert result.status is MET
    assert result.criteria[0].value == 7.5
    regimens = result.evidence["regimens"]
    assert isinstance(regimens, list)
    assert (regimens[0]["dose_value"], regimens[0]["dose_change_id"]) == (7.5, "7.5")
    assert regimens[0]["prednisone_equivalent_mg_per_day"] == 7.5


def test_an_ended_regimen_reports_its_last_dose() -> None:
    ended = replace(TAPER, end_date=date(2017, 8, 15))

    regimens = steroid_dependent((ended,), date(2017, 9, 15), SETTINGS).evidence["regimens"]

    assert isinstance(regimens, list)
    assert regimens[0]["dose_value"] == 10.0


def test_a_step_of_unknown_size_leaves_the_run_uncertain() -> None:
    steps = regimen(
        "mp", "methylprednisolone", before(400), dose=8,
        changes=(change("kg", before(100), 1, "mg/kg"), change("back", before(50), 8)),
    )  # fmt: skip

    timeline = steroid_timeline((steps,), AS_OF, SETTINGS)

    assert timeline == [
        (day(before(400)), NOT_MET),
        (day(before(220)), MET),  # 10 mg/day for 180 days
        (day(before(100)), UNKNOWN),  # 1 mg/kg: no weight, dose unknown
        (day(before(50)), UNKNOWN),  # 10 mg/day again, but the unknown stretch may have dipped
    ]
