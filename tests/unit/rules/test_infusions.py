from dataclasses import replace

import pytest

from app.rules.infusions import check_dose, check_interval, interval_in_force
from app.rules.inputs import Assessment, Infusion, Regimen
from app.rules.outcomes import DoseCheck, IntervalCheck
from app.rules.settings import RuleSettings

from .builders import at, change, infusion, regimen, visit

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


ESCALATED = regimen("toci", "tocilizumab", "2016-01-10", dose=4, unit="mg/kg", interval_days=28,
                    changes=(change("up", "2016-03-06", 8, "mg/kg"),))  # fmt: skip


@pytest.mark.parametrize(
    ("when", "given_mg", "expected"),
    [
        ("2016-02-07", 248.0, DoseCheck("ok", 248.0, 0.0)),  # 4 mg/kg x 62 kg, before
        ("2016-03-05", 248.0, DoseCheck("ok", 248.0, 0.0)),
        ("2016-03-06", 496.0, DoseCheck("ok", 496.0, 0.0)),  # 8 mg/kg from its date
        ("2016-03-06", 248.0, DoseCheck("out_of_range", 496.0, -50.0)),
    ],
)
def test_the_dose_in_force_on_the_infusion_day(
    when: str, given_mg: float, expected: DoseCheck
) -> None:
    assert check_dose(ESCALATED, infusion("i", when, given_mg, 62.0), (), SETTINGS) == expected


def test_a_dose_change_uses_the_clinical_date_of_the_infusion() -> None:
    # 23:30 UTC on 5 March is 6 March in Madrid: the escalated dose is in force there.
    late = replace(infusion("i", "2016-03-05", 496.0, 62.0), administered_at=at("2016-03-05", 23))

    assert check_dose(ESCALATED, late, (), SETTINGS).status == "out_of_range"
    madrid = RuleSettings(clinical_timezone="Europe/Madrid")
    assert check_dose(ESCALATED, late, (), madrid).status == "ok"


CYCLOPHOSPHAMIDE = regimen("cyc", "cyclophosphamide", "2016-01-01", dose=500, unit="mg/m2",
                           interval_days=14, route="iv")  # fmt: skip


def measured(when: str, weight_kg: float | None = None, height: float | None = None) -> Assessment:
    return visit(f"m-{when}", when, weight_kg=weight_kg, height_cm=height)


@pytest.mark.parametrize(
    ("assessments", "weight_kg", "expected"),
    [
        # Mosteller: sqrt(170 x 64 / 3600) = 1.73845 m2 -> 869.23 mg; 900 mg is +3.54 %.
        ((measured("2016-05-01", height=170.0),), 64.0, DoseCheck("ok", 869.23, 3.54)),
        # sqrt(180 x 80 / 3600) = 2 m2 exactly: 1000 mg; 1100 mg is exactly +10 %.
        ((measured("2016-05-01", 80.0, 180.0),), None, DoseCheck("ok", 1000.0, 0.0)),
        ((measured("2010-01-01", height=180.0), measured("2016-05-01", 80.0)), None,
         DoseCheck("ok", 1000.0, 0.0)),  # an adult's height does not go stale
        ((measured("2016-05-01", 80.0),), None, DoseCheck("unknown", None, None)),  # no height
        ((measured("2016-05-11", 80.0, 180.0),), None, DoseCheck("unknown", None, None)),
        ((measured("2016-05-01", height=180.0),), None, DoseCheck("unknown", None, None)),
    ],
)  # fmt: skip
def test_a_dose_per_body_surface_area(
    assessments: tuple[Assessment, ...], weight_kg: float | None, expected: DoseCheck
) -> None:
    given = infusion("i", "2016-05-10", 900.0 if weight_kg else 1000.0, weight_kg, regimen_id="cyc")

    assert check_dose(CYCLOPHOSPHAMIDE, given, assessments, SETTINGS) == expected


def test_exactly_ten_percent_above_a_surface_dose_is_ok() -> None:
    given = infusion("i", "2016-05-10", 1100.0, regimen_id="cyc")

    result = check_dose(CYCLOPHOSPHAMIDE, given, (measured("2016-05-01", 80.0, 180.0),), SETTINGS)

    assert result == DoseCheck("ok", 1000.0, 10.0)


WIDENED = replace(ESCALATED, dose_changes=(
    change("up", "2016-03-06", 8, "mg/kg"),  # omitted interval: 28 kept
    change("wide", "2016-06-01", 8, "mg/kg", interval_days=42),
))  # fmt: skip


@pytest.mark.parametrize(
    ("previous", "current", "interval", "expected"),
    [
        ("2016-03-06", "2016-04-03", 28, IntervalCheck("on_time", 28)),
        ("2016-05-01", "2016-06-12", 42, IntervalCheck("on_time", 42)),  # 42 from June
        ("2016-05-01", "2016-05-29", 28, IntervalCheck("on_time", 28)),
        ("2016-06-01", "2016-06-29", 42, IntervalCheck("early", 28)),
    ],
)
def test_the_interval_in_force_on_the_infusion_day(
    previous: str, current: str, interval: int, expected: IntervalCheck
) -> None:
    infusions = (infusion("p", previous), infusion("c", current))

    assert interval_in_force(WIDENED, infusions[1], SETTINGS) == interval
    assert check_interval(infusions[1], infusions, WIDENED, SETTINGS) == expected
