"""Property tests: at every threshold the rules agree with the exact decimal comparison.

Values and limits are two-decimal numbers written in each unit the catalogue accepts,
converted the way the service does (`to_canonical` with the catalogue's factor), both
from the decimal itself and from the double the database stores.
"""

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app import catalog
from app.rules.activity import CDAI_CUTOFFS, SDAI_CUTOFFS, category, cdai, sdai
from app.rules.infusions import check_dose
from app.rules.inputs import LabResult, Patient
from app.rules.labs import to_canonical
from app.rules.outcomes import Status
from app.rules.remission_criteria import anti_dsdna_negative, crp_normal, esr_normal
from app.rules.safety import safety_alerts
from app.rules.settings import RuleSettings
from app.rules.steroids import steroid_dependent

from .builders import WOMAN, infusion, lab, records, regimen

SETTINGS = RuleSettings()
DAY = "2016-05-10"
# Two-decimal values from 0.00 to 999.99.
CENT = Decimal("0.01")
CENTS = st.integers(0, 99_999).map(lambda n: Decimal(n) / 100)
SMALL_CENTS = st.integers(0, 2_000).map(lambda n: Decimal(n) / 100)
STORED = st.sampled_from([False, True])  # True: through the doubles the database stores
THOROUGH = settings(max_examples=200, deadline=None)


@st.composite
def near(draw: st.DrawFn, target: Decimal) -> Decimal:
    """A two-decimal value at `target` or a cent either side (where the floats failed),
    or anywhere on the grid."""
    offset = draw(st.sampled_from([-1, 0, 0, 1, None]))
    value = draw(CENTS) if offset is None else target.quantize(CENT) + offset * CENT
    return max(value, Decimal(0))


@st.composite
def value_and_limit(draw: st.DrawFn) -> tuple[Decimal, Decimal]:
    limit = draw(CENTS)
    return draw(near(limit)), limit


def units(test: str) -> list[tuple[str, float]]:
    return sorted(catalog.lab_tests()[test].units.items())


def canonical(value: Decimal, factor: float, stored: bool) -> Decimal | float:
    """Converted exactly; `stored`: from the sent value as a double, and back as one."""
    if not stored:
        return to_canonical(value, factor)
    return float(to_canonical(float(value), factor))


def result(test: str, value: Decimal, high: Decimal, factor: float, stored: bool) -> LabResult:
    """A result as the service builds it: value and limit through the one converter."""
    converted, limit = canonical(value, factor, stored), canonical(high, factor, stored)
    return replace(lab("r", test, DAY), canonical_value=converted, reference_high=limit)


@pytest.mark.parametrize(("unit", "factor"), units("esr"))
@THOROUGH
@given(pair=value_and_limit(), stored=STORED)
def test_esr_at_its_limit(
    unit: str, factor: float, pair: tuple[Decimal, Decimal], stored: bool
) -> None:
    value, limit = pair
    criterion = esr_normal(result("esr", value, limit, factor, stored), WOMAN, SETTINGS)

    assert (criterion.status is Status.MET) is (value <= limit)


@pytest.mark.parametrize(("unit", "factor"), units("crp"))
@THOROUGH
@given(pair=value_and_limit(), stored=STORED)
def test_crp_at_its_limit(
    unit: str, factor: float, pair: tuple[Decimal, Decimal], stored: bool
) -> None:
    value, limit = pair
    criterion = crp_normal(result("crp", value, limit, factor, stored), SETTINGS)

    assert (criterion.status is Status.MET) is (value <= limit)


@pytest.mark.parametrize(("unit", "factor"), units("anti_dsdna"))
@THOROUGH
@given(pair=value_and_limit(), stored=STORED)
def test_anti_dsdna_at_its_limit(
    unit: str, factor: float, pair: tuple[Decimal, Decimal], stored: bool
) -> None:
    value, limit = pair
    criterion = anti_dsdna_negative(result("anti_dsdna", value, limit, factor, stored))

    assert (criterion.status is Status.MET) is (value <= limit)


@given(birth_year=st.integers(1920, 2000), offset=st.sampled_from([-1, 0, 1]), stored=STORED)
def test_esr_at_the_age_and_sex_limit(birth_year: int, offset: int, stored: bool) -> None:
    limit = (Decimal(2016 - birth_year) + 10) / 2  # a woman on 2016-05-10
    value = limit + offset * CENT
    esr = replace(lab("esr", "esr", DAY), canonical_value=canonical(value, 1, stored))

    criterion = esr_normal(esr, Patient("female", date(birth_year, 1, 1)), SETTINGS)

    assert (criterion.status is Status.MET) is (value <= limit)


ON_TOCILIZUMAB = (regimen("toci", "tocilizumab", "2016-01-01", dose=8, unit="mg/kg"),)


def action(test: str, value: float, high: float | None = None) -> str | None:
    alerts = safety_alerts(
        records(regimens=ON_TOCILIZUMAB, labs=(lab("r", test, DAY, value, high=high),)),
        date.fromisoformat(DAY),
        SETTINGS,
    )
    return alerts[0].action if alerts else None


@pytest.mark.parametrize(
    ("test", "unit", "factor"), [(t, *u) for t in ("alt", "ast") for u in units(t)]
)
@THOROUGH
@given(data=st.data(), uln=CENTS, times=st.sampled_from([3, 5]), stored=STORED)
def test_transaminases_at_three_and_five_times_the_limit(
    test: str, unit: str, factor: float, data: st.DataObject, uln: Decimal, times: int,
    stored: bool,
) -> None:  # fmt: skip
    value = data.draw(near(times * uln))
    expected = "discontinue" if value > 5 * uln else "interrupt" if value > 3 * uln else None
    converted = canonical(value, factor, stored)

    assert action(test, float(converted), float(canonical(uln, factor, stored))) == expected


@pytest.mark.parametrize(
    ("test", "unit", "factor", "lowest", "low"),
    [(t, *u, lowest, low) for t, lowest, low in (("neutrophils", "0.5", "1.0"),
                                                 ("platelets", "50", "100")) for u in units(t)],
)  # fmt: skip
@THOROUGH
@given(data=st.data(), stored=STORED)
def test_cytopenias_at_their_limits(
    test: str, unit: str, factor: float, lowest: str, low: str, data: st.DataObject, stored: bool
) -> None:
    value = data.draw(near(Decimal(data.draw(st.sampled_from([lowest, low])))))
    expected = (
        "discontinue" if value < Decimal(lowest) else "interrupt" if value <= Decimal(low) else None
    )

    assert action(test, float(canonical(value, factor, stored))) == expected


GLUCOCORTICOIDS = sorted(
    (code, drug.prednisone_factor)
    for code, drug in catalog.drugs().items()
    if drug.prednisone_factor is not None
)


PREDNISONE_LIKE = [(code, factor) for code, factor in GLUCOCORTICOIDS if factor == 1]


@THOROUGH
@given(
    data=st.data(),
    first=st.sampled_from(GLUCOCORTICOIDS),
    second=st.sampled_from(PREDNISONE_LIKE),
    first_dose=SMALL_CENTS,
)
def test_daily_steroid_sums_at_the_threshold(
    data: st.DataObject, first: tuple[str, float], second: tuple[str, float], first_dose: Decimal
) -> None:
    # The second dose tops the first up to about 7.5 mg/day (or is anywhere on the grid).
    second_dose = data.draw(near(Decimal("7.5") - first_dose * Decimal(repr(first[1]))))
    regimens = tuple(
        regimen(str(n), code, "2016-01-01", dose=float(dose))
        for n, ((code, _), dose) in enumerate(((first, first_dose), (second, second_dose)))
    )
    total = first_dose * Decimal(repr(first[1])) + second_dose * Decimal(repr(second[1]))

    result = steroid_dependent(regimens, date(2016, 2, 1), SETTINGS)

    assert (result.criteria[0].status is Status.MET) is (total >= Decimal("7.5"))


@THOROUGH
@given(data=st.data(), planned=CENTS, side=st.sampled_from([Decimal("0.9"), Decimal("1.1")]))
def test_a_dose_within_ten_percent(data: st.DataObject, planned: Decimal, side: Decimal) -> None:
    given_mg = data.draw(near(planned * side))
    plan = regimen("rtx", "rituximab", "2016-01-01", dose=float(planned), unit="mg")
    check = check_dose(plan, infusion("i", DAY, float(given_mg), regimen_id="rtx"), (), SETTINGS)
    expected = "ok" if abs(given_mg - planned) * 100 <= 10 * planned else "out_of_range"

    assert check.status == ("unknown" if planned == 0 else expected)


@THOROUGH
@given(
    data=st.data(),
    mg_per_kg=SMALL_CENTS,
    weight=CENTS,
    side=st.sampled_from([Decimal("0.9"), Decimal("1.1")]),
)
def test_a_weight_based_dose_within_ten_percent(
    data: st.DataObject, mg_per_kg: Decimal, weight: Decimal, side: Decimal
) -> None:
    given_mg = data.draw(near(min(mg_per_kg * weight, Decimal(800)) * side))
    plan = regimen("toci", "tocilizumab", "2016-01-01", dose=float(mg_per_kg), unit="mg/kg")
    dose = check_dose(plan, infusion("i", DAY, float(given_mg), float(weight)), (), SETTINGS)
    expected_mg = min(mg_per_kg * weight, Decimal(800))
    ok = abs(given_mg - expected_mg) * 100 <= 10 * expected_mg and given_mg <= 800

    assert dose.status == ("unknown" if expected_mg == 0 else "ok" if ok else "out_of_range")


JOINTS = st.integers(0, 3)  # remission needs few joints: stay near the cut-offs
GLOBAL_MM = st.integers(0, 300).map(lambda n: Decimal(n) / 10)


@THOROUGH
@given(tjc=JOINTS, sjc=JOINTS, ptga=GLOBAL_MM, ega=GLOBAL_MM, crp=SMALL_CENTS)
def test_cdai_and_sdai_remission_cut_offs(
    tjc: int, sjc: int, ptga: Decimal, ega: Decimal, crp: Decimal
) -> None:
    exact_cdai = tjc + sjc + ptga / 10 + ega / 10
    cdai_value = cdai(tjc, sjc, float(ptga), float(ega))
    sdai_value = sdai(tjc, sjc, float(ptga), float(ega), float(crp))

    assert (category(cdai_value, CDAI_CUTOFFS) == "remission") is (exact_cdai <= Decimal("2.8"))
    remission = exact_cdai + crp / 10 <= Decimal("3.3")
    assert (category(sdai_value, SDAI_CUTOFFS) == "remission") is remission
