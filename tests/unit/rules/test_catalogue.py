"""The rules keep no copy of catalogue facts that could drift: what they state (the units
their thresholds are in, the titer unit, mechanism names, drug codes, routes) must match
app/catalog, and the catalogue carries the facts of clinical-rules.md."""

import pytest

from app import catalog
from app.rules.labs import RULE_UNITS, TITER_TESTS, TITER_UNIT
from app.rules.settings import RuleSettings

SETTINGS = RuleSettings()


def test_the_rules_read_each_test_in_its_catalogue_canonical_unit() -> None:
    canonical = {key: test.canonical_unit for key, test in catalog.lab_tests().items()}

    assert canonical == RULE_UNITS


def test_titers_are_the_catalogue_titers() -> None:
    with_titers = {key for key, test in catalog.lab_tests().items() if test.titer_codes}

    assert (frozenset(with_titers), catalog.TITER_UNIT) == (TITER_TESTS, TITER_UNIT)


@pytest.mark.parametrize(
    ("key", "codes"),
    [
        ("esr", ("4537-7", "30341-2", "82477-1")),
        ("crp", ("1988-5", "30522-7")),  # hs-CRP counts as CRP
        ("anti_dsdna", ("5130-0", "33799-8", "11013-0")),
        ("neutrophils", ("751-8",)),
    ],
)
def test_every_accepted_code_resolves_to_its_test(key: str, codes: tuple[str, ...]) -> None:
    test = catalog.lab_tests()[key]

    assert (test.loinc, test.codes) == (codes[0], codes)
    assert all(catalog.lab_tests_by_loinc()[code] is test for code in codes)


def test_only_the_anti_dsdna_titer_code_is_a_titer() -> None:
    anti_dsdna = catalog.lab_tests()["anti_dsdna"]

    assert [code for code in anti_dsdna.codes if anti_dsdna.is_titer(code)] == ["11013-0"]


def test_every_code_is_listed_once() -> None:
    codes = [code for test in catalog.lab_tests().values() for code in test.codes]

    assert len(codes) == len(set(codes)) == len(catalog.lab_tests_by_loinc())


@pytest.mark.parametrize(
    ("code", "atc", "factor"),
    [
        ("prednisone", "H02AB07", 1),
        ("prednisolone", "H02AB06", 1),
        ("methylprednisolone", "H02AB04", 1.25),
        ("dexamethasone", "H02AB02", 6.67),
        ("hydrocortisone", "H02AB09", 0.25),
        ("deflazacort", "H02AB13", 0.83),
        ("triamcinolone", "H02AB08", 1.25),
        ("betamethasone", "H02AB01", 6.67),
        ("cortisone", "H02AB10", 0.2),
        ("budesonide", "H02AB16", None),  # no systemic factor
    ],
)
def test_glucocorticoid_facts(code: str, atc: str, factor: float | None) -> None:
    drug = catalog.drugs()[code]

    assert (drug.drug_class, drug.atc, drug.prednisone_factor) == ("glucocorticoid", atc, factor)


def test_the_mechanisms_and_drugs_the_settings_name_exist() -> None:
    mechanisms = {drug.mechanism for drug in catalog.drugs().values()}
    named = {*SETTINGS.remission_caveat_mechanisms, *SETTINGS.activity_warning_mechanisms}

    assert named <= mechanisms
    assert set(SETTINGS.safety_drug_codes) <= set(catalog.drugs())
    assert catalog.drugs()["tocilizumab"].max_mg_per_infusion == 800


def test_non_systemic_routes_are_catalogue_routes_of_glucocorticoids() -> None:
    routes = {
        route
        for drug in catalog.drugs().values()
        if drug.drug_class == "glucocorticoid"
        for route in drug.routes
    }

    assert set(SETTINGS.steroid_non_systemic_routes) <= routes
