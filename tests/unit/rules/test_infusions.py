from dataclasses import replace

import pytest

from app.rules.infusions import check_dose, check_interval
from app.rules.inputs import Assessment, Infusion, Regimen
from app.rules.outcomes import DoseCheck, IntervalCheck
from app.rules.settings import RuleSettings

from .builders import infusion, regimen, visit

SETTINGS = RuleSettings()
TOCI_8_MG_KG = regimen("toci", "tocilizumab", "2016-01-01", dose=8, unit="mg/kg", interval_days=28)
RITUXIMAB_1000_MG = regimen("rtx", "rituximab", "2016-01-01", dose=1000, unit="mg")


def weighed(when: str, weight_kg: float, seq: int = 0) -> Assessment:
    return visit(f"w-{when}-{seq}", when, weight_kg=weight_kg, seq=seq)


@pytest.mark.parametrize(
    ("given_mg", "weight_kg", "expected"),
    [
        (640.0, 80.0, DoseCheck("ok", 640.0, 0.0)),
        (704.0, 80.0, DoseCheck("ok", 640.0, 10.0)),  # +10 %: still ok
        (704.1, 80.0, DoseCheck("out_of_range", 640.0, 10.02)),
        (576.0, 80.0, DoseCheck("ok", 640.0, -10.0)),  # -10 %: still ok
        (575.9, 80.0, DoseCheck("out_of_range", 640.0, -10.02)),
        (539.44, 61.3, DoseCheck("ok", 490.4, 10.0)),  # float noise: 10.000000000000016 %
        (800.0, 110.0, DoseCheck("ok", 800.0, 0.0)),  # 880 mg capped at 800 mg
        (850.0, 110.0, DoseCheck("out_of_range", 800.0, 6.25)),  # above the maximum
        (640.0, None, DoseCheck("unknown", None, None)),
    ],
)
def test_mg_per_kg_dose(given_mg: float, weight_kg: float | None, expected: DoseCheck) -> None:
    given = infusion("i", "2016-05-10", given_mg, weight_kg)

    assert check_dose(TOCI_8_MG_KG, given, (), SETTINGS) == expected


@pytest.mark.parametrize(
    ("assessments", "expected_mg"),
    [
        ((weighed("2016-04-10", 70.0),), 560.0),  # 30 days before
        ((weighed("2016-04-09", 70.0),), None),  # 31 days before
        ((weighed("2016-05-11", 70.0),), None),  # after the infusion day
        ((weighed("2016-04-20", 60.0), weighed("2016-05-01", 70.0)), 560.0),
        ((weighed("2016-05-01", 60.0, seq=2), weighed("2016-05-01", 70.0, seq=1)), 480.0),
        ((replace(weighed("2016-05-01", 60.0), entered_in_error=True),), None),
        ((visit("no-weight", "2016-05-01"),), None),
    ],
)
def test_weight_falls_back_to_the_latest_assessment_in_30_days(
    assessments: tuple[Assessment, ...], expected_mg: float | None
) -> None:
    result = check_dose(TOCI_8_MG_KG, infusion("i", "2016-05-10"), assessments, SETTINGS)

    assert result.expected_mg == expected_mg


def test_the_infusion_weight_beats_the_assessment() -> None:
    given = infusion("i", "2016-05-10", 640.0, weight_kg=80.0)

    result = check_dose(TOCI_8_MG_KG, given, (weighed("2016-05-10", 50.0),), SETTINGS)

    assert result.expected_mg == 640.0


@pytest.mark.parametrize(
    ("plan", "given_mg", "expected"),
    [
        (RITUXIMAB_1000_MG, 1000.0, DoseCheck("ok", 1000.0, 0.0)),
        (RITUXIMAB_1000_MG, 500.0, DoseCheck("out_of_range", 1000.0, -50.0)),
        (replace(TOCI_8_MG_KG, dose_value=1000.0, dose_unit="mg"), 1000.0,
         DoseCheck("out_of_range", 1000.0, 0.0)),
        (replace(TOCI_8_MG_KG, dose_unit="mg/day"), 640.0, DoseCheck("unknown", None, None)),
        (replace(RITUXIMAB_1000_MG, dose_value=0.0), 0.0, DoseCheck("unknown", 0.0, None)),
    ],
)  # fmt: skip
def test_mg_dose(plan: Regimen, given_mg: float, expected: DoseCheck) -> None:
    given = infusion("i", "2016-05-10", given_mg, regimen_id=plan.id)

    assert check_dose(plan, given, (), SETTINGS) == expected


CURRENT = infusion("now", "2016-05-10")


@pytest.mark.parametrize(
    ("previous", "expected"),
    [
        ((), IntervalCheck("first", None)),
        ((infusion("p", "2016-04-19"),), IntervalCheck("on_time", 21)),  # 28 - 7
        ((infusion("p", "2016-04-20"),), IntervalCheck("early", 20)),
        ((infusion("p", "2016-04-05"),), IntervalCheck("on_time", 35)),  # 28 + 7
        ((infusion("p", "2016-04-04"),), IntervalCheck("late", 36)),
        ((infusion("p", "2016-04-12"), infusion("q", "2016-03-15")), IntervalCheck("on_time", 28)),
        ((infusion("p", "2016-04-12", status="cancelled"),), IntervalCheck("first", None)),
        ((infusion("p", "2016-04-12", status="interrupted"), infusion("q", "2016-03-15")),
         IntervalCheck("late", 56)),
        ((infusion("p", "2016-04-12", regimen_id="other"),), IntervalCheck("first", None)),
        ((replace(infusion("p", "2016-04-12"), entered_in_error=True),),
         IntervalCheck("first", None)),
        ((CURRENT, infusion("later", "2016-06-07")), IntervalCheck("first", None)),
    ],
)  # fmt: skip
def test_interval_since_the_previous_completed_infusion(
    previous: tuple[Infusion, ...], expected: IntervalCheck
) -> None:
    assert check_interval(CURRENT, previous, 28, SETTINGS) == expected


def test_interval_unknown_without_a_regimen_interval() -> None:
    result = check_interval(CURRENT, (infusion("p", "2016-04-12"),), None, SETTINGS)

    assert result == IntervalCheck("unknown", 28)
