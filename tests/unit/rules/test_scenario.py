"""A patient through a tocilizumab escalation (4 -> 8 mg/kg) and a prednisone taper
(15 -> 10 -> 7.5 -> 5 mg/day), both recorded as dose changes (issue 11, item 4)."""

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from app.rules import (
    DoseCheck,
    FlagChange,
    IntervalCheck,
    Regimen,
    RuleSettings,
    Status,
    check_dose,
    check_interval,
    current_dose,
    evaluate,
    status_history,
)

from .builders import change, day, in_remission, infusion, merge, records, regimen

SETTINGS = RuleSettings()
MET, NOT_MET = Status.MET, Status.NOT_MET
TOCILIZUMAB = regimen(
    "toci", "tocilizumab", "2016-01-10", dose=4, unit="mg/kg", interval_days=28, route="iv",
    changes=(change("toci-8", "2016-03-06", 8, "mg/kg"),),
)  # fmt: skip
PREDNISONE = regimen(
    "pred", "prednisone", "2015-06-01", dose=15,
    changes=(change("p10", "2016-01-01", 10), change("p7.5", "2016-03-01", 7.5),
             change("p5", "2016-05-01", 5)),
)  # fmt: skip
INFUSIONS = (
    infusion("i1", "2016-01-10", 248.0, 62.0),  # 4 mg/kg x 62 kg
    infusion("i2", "2016-02-07", 248.0, 62.0),
    infusion("i3", "2016-03-06", 496.0, 62.0),  # 8 mg/kg from the change
    infusion("i4", "2016-04-03", 496.0, 62.0),
    infusion("i5", "2016-05-01", 248.0, 62.0),  # the old dose, given by mistake
)
HISTORY = (
    regimen("mtx", "methotrexate", "2008-01-01", "2010-01-01", "intolerance"),
    regimen("ada", "adalimumab", "2010-01-01", "2012-01-01", "inefficacy"),
    regimen("aba", "abatacept", "2013-01-01", "2015-06-01", "inefficacy"),
)
PATIENT = merge(
    records(regimens=(*HISTORY, TOCILIZUMAB, PREDNISONE), infusions=INFUSIONS),
    in_remission("2016-05-10"),
)


def checks(plan: Regimen = TOCILIZUMAB) -> list[tuple[DoseCheck, IntervalCheck]]:
    return [
        (check_dose(plan, given, (), SETTINGS), check_interval(given, INFUSIONS, plan, SETTINGS))
        for given in INFUSIONS
    ]


def test_the_escalation_keeps_earlier_infusions_ok_and_checks_later_ones_against_8_mg_kg() -> None:
    assert checks() == [
        (DoseCheck("ok", 248.0, 0.0), IntervalCheck("first", None)),
        (DoseCheck("ok", 248.0, 0.0), IntervalCheck("on_time", 28)),
        (DoseCheck("ok", 496.0, 0.0), IntervalCheck("on_time", 28)),
        (DoseCheck("ok", 496.0, 0.0), IntervalCheck("on_time", 28)),
        (DoseCheck("out_of_range", 496.0, -50.0), IntervalCheck("on_time", 28)),
    ]


def test_editing_the_starting_dose_instead_would_rewrite_the_past() -> None:
    edited = replace(TOCILIZUMAB, dose_value=8, dose_changes=())

    statuses = [dose.status for dose, _ in checks(edited)]

    assert statuses == ["out_of_range", "out_of_range", "ok", "ok", "out_of_range"]


def test_the_status_history_shows_the_day_the_taper_fell_below_7_5() -> None:
    history = status_history(PATIENT, date(2016, 6, 1), SETTINGS)

    assert history == [
        FlagChange("refractory", None, NOT_MET, date(2010, 1, 1)),
        FlagChange("refractory", NOT_MET, MET, date(2015, 6, 1)),  # abatacept failed
        FlagChange("steroid_dependent", None, NOT_MET, date(2015, 6, 1)),
        FlagChange("steroid_dependent", NOT_MET, MET, date(2015, 6, 1) + timedelta(days=180)),
        # 15 -> 10 -> 7.5 mg/day keeps it; the step to 5 mg/day ends it that day.
        FlagChange("steroid_dependent", MET, NOT_MET, date(2016, 5, 1)),
        FlagChange("remission", None, MET, date(2016, 5, 10)),
    ]


def test_the_status_during_and_after_the_taper() -> None:
    during = evaluate(PATIENT, date(2016, 4, 15), SETTINGS)
    after = evaluate(PATIENT, date(2016, 6, 1), SETTINGS)

    assert during.steroid_dependent.status is MET  # 7.5 mg/day: still at the threshold
    assert during.steroid_dependent.criteria[0].value == 7.5
    assert after.steroid_dependent.status is NOT_MET
    assert after.steroid_dependent.criteria[0].value == 5.0
    assert after.remission.status is MET
    assert [c.drug for c in after.remission.caveats] == ["tocilizumab"]
    assert after.refractory.status is MET


def test_the_current_doses() -> None:
    taper = [current_dose(PREDNISONE, day(d)) for d in ("2015-12-31", "2016-01-01", "2016-05-01")]
    toci = current_dose(TOCILIZUMAB, day("2016-04-15"))

    assert [(d.value, d.change_id) for d in taper if d is not None] == [
        (Decimal(15), None),
        (Decimal(10), "p10"),
        (Decimal(5), "p5"),
    ]
    assert toci is not None
    assert (toci.value, toci.unit, toci.interval_days) == (Decimal(8), "mg/kg", 28)
