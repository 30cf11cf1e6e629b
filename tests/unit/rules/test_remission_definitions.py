from dataclasses import replace

import pytest

from app.rules.inputs import Assessment, LabResult
from app.rules.labs import to_canonical
from app.rules.outcomes import Criterion, RemissionDefinition, RemissionDefinitions, Status
from app.rules.remission_definitions import remission_definitions
from app.rules.settings import RuleSettings

from .builders import at, day, lab, records, visit

SETTINGS = RuleSettings()
VISIT_DAY = "2016-05-10"
MET, NOT_MET, UNKNOWN = Status.MET, Status.NOT_MET, Status.INSUFFICIENT_DATA


def crp(mg_l: float, when: str = VISIT_DAY, lab_id: str = "crp", comparator: str | None = None,
        seq: int = 0) -> LabResult:  # fmt: skip
    return lab(lab_id, "crp", when, mg_l, seq=seq, comparator=comparator)


def patient(
    tjc: int | None = 1,
    sjc: int | None = 1,
    ptga: float | None = 5.0,
    ega: float | None = 5.0,
    labs: tuple[LabResult, ...] = (crp(3.0),),
    when: str = VISIT_DAY,
    more: tuple[Assessment, ...] = (),
) -> dict[str, RemissionDefinition]:
    visits = (visit("v", when, tjc, sjc, None, ptga, ega), *more)
    result = remission_definitions(records(labs=labs, visits=visits), day("2016-06-01"), SETTINGS)
    return vars(result)


def statuses(definitions: dict[str, RemissionDefinition]) -> tuple[Status, ...]:
    return tuple(d.status for d in definitions.values())


def test_the_definitions_side_by_side() -> None:
    # TJC 1, SJC 1, PtGA 0.5, EGA 0.5, CRP 0.3 mg/dL: CDAI 3.0, SDAI 3.3.
    result = remission_definitions(
        records(labs=(crp(3.0),), visits=(visit("v", VISIT_DAY, 1, 1, None, 5.0, 5.0),)),
        day("2016-06-01"),
        SETTINGS,
    )

    assert result == RemissionDefinitions(
        boolean_2011=RemissionDefinition("boolean_2011", MET, None, (
            Criterion("tender_joints_28", MET, 1.0, 1.0, "joints", "v", at(VISIT_DAY)),
            Criterion("swollen_joints_28", MET, 1.0, 1.0, "joints", "v", at(VISIT_DAY)),
            Criterion("crp", MET, 0.3, 1.0, "mg/dL", "crp", at(VISIT_DAY)),
            Criterion("patient_global", MET, 0.5, 1.0, "0-10", "v", at(VISIT_DAY)),
        ), "v", ("v", "crp")),
        boolean_2022=RemissionDefinition("boolean_2022", MET, None, (
            Criterion("tender_joints_28", MET, 1.0, 1.0, "joints", "v", at(VISIT_DAY)),
            Criterion("swollen_joints_28", MET, 1.0, 1.0, "joints", "v", at(VISIT_DAY)),
            Criterion("crp", MET, 0.3, 1.0, "mg/dL", "crp", at(VISIT_DAY)),
            Criterion("patient_global", MET, 0.5, 2.0, "0-10", "v", at(VISIT_DAY)),
        ), "v", ("v", "crp")),
        sdai=RemissionDefinition("sdai", MET, 3.3, (
            Criterion("sdai", MET, 3.3, 3.3, None, "v", at(VISIT_DAY)),), "v", ("v", "crp")),
        cdai=RemissionDefinition("cdai", NOT_MET, 3.0, (
            Criterion("cdai", NOT_MET, 3.0, 2.8, None, "v", at(VISIT_DAY)),), "v", ("v",)),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("definitions", "expected"),
    [
        (patient(), (MET, MET, MET, NOT_MET)),
        (patient(tjc=2), (NOT_MET, NOT_MET, NOT_MET, NOT_MET)),
        (patient(sjc=2), (NOT_MET, NOT_MET, NOT_MET, NOT_MET)),
        (patient(ptga=10.0, ega=0.0), (MET, MET, MET, NOT_MET)),  # PtGA 1.0 of 10, SDAI 3.3
        (patient(ptga=10.1, ega=0.0), (NOT_MET, MET, NOT_MET, NOT_MET)),  # 2022: PtGA <= 2
        (patient(ptga=20.0, ega=0.0), (NOT_MET, MET, NOT_MET, NOT_MET)),
        (patient(ptga=20.1, ega=0.0), (NOT_MET, NOT_MET, NOT_MET, NOT_MET)),
        (patient(tjc=0, sjc=0, ptga=14.0, ega=14.0), (NOT_MET, MET, MET, MET)),  # CDAI 2.8
        (patient(labs=(crp(10.0),)), (MET, MET, NOT_MET, NOT_MET)),  # CRP exactly 1 mg/dL
        (patient(labs=(crp(10.1),)), (NOT_MET, NOT_MET, NOT_MET, NOT_MET)),
    ],
)
def test_each_definition_at_its_limits(
    definitions: dict[str, RemissionDefinition], expected: tuple[Status, ...]
) -> None:
    assert statuses(definitions) == expected


def test_crp_in_mg_dl_through_the_converter_stays_exact() -> None:
    exactly_one = replace(crp(0.0), canonical_value=to_canonical(1.0, 10.0))  # 1 mg/dL

    assert patient(labs=(exactly_one,))["boolean_2011"].status is MET


@pytest.mark.parametrize(
    ("labs", "boolean", "sdai"),
    [
        pytest.param((), UNKNOWN, UNKNOWN, id="no CRP"),
        pytest.param((crp(3.0, "2016-04-26"),), MET, MET, id="14 days before"),
        pytest.param((crp(3.0, "2016-04-25"),), UNKNOWN, UNKNOWN, id="15 days before"),
        pytest.param((crp(3.0, "2016-05-24"),), MET, MET, id="14 days after"),
        pytest.param((crp(3.0, "2016-05-25"),), UNKNOWN, UNKNOWN, id="15 days after"),
        pytest.param((lab("crp", "crp", VISIT_DAY, text="haemolysed"),), UNKNOWN, UNKNOWN,
                     id="no number"),
        pytest.param((crp(3.0, "2016-05-01", "old"), crp(30.0, "2016-05-15", "new")), NOT_MET,
                     NOT_MET, id="the latest, not the nearest"),
        pytest.param((crp(3.0, seq=2), crp(30.0, lab_id="x", seq=1)), MET, MET,
                     id="same time: recorded later"),
        pytest.param((crp(3.0, comparator="<"),), MET, MET, id="<0.3 mg/dL: SDAI below 3.3"),
        pytest.param((crp(5.0, comparator="<"),), MET, UNKNOWN, id="<0.5 mg/dL: SDAI below 3.5"),
        pytest.param((crp(3.0, comparator=">"),), UNKNOWN, NOT_MET, id=">0.3 mg/dL"),
        pytest.param((crp(10.0, comparator=">"),), NOT_MET, NOT_MET, id=">1 mg/dL"),
        pytest.param((crp(30.0, comparator="<"),), UNKNOWN, UNKNOWN, id="<3 mg/dL"),
    ],
)  # fmt: skip
def test_the_crp_of_boolean_and_sdai(labs: tuple[LabResult, ...], boolean: Status,
                                     sdai: Status) -> None:  # fmt: skip
    result = patient(labs=labs)

    assert (result["boolean_2011"].status, result["sdai"].status) == (boolean, sdai)
    assert result["cdai"].status is NOT_MET  # CDAI reads no CRP


def test_a_missing_crp_never_falls_back_to_the_crp_free_variant() -> None:
    result = patient(tjc=0, sjc=0, ptga=0.0, ega=0.0, labs=())

    assert statuses(result) == (UNKNOWN, UNKNOWN, UNKNOWN, MET)
    assert result["boolean_2011"].criteria[2] == Criterion("crp", UNKNOWN, None, 1.0, "mg/dL")
    assert result["sdai"].value is None


def test_a_censored_sdai_is_shown_as_its_bound() -> None:
    result = patient(labs=(crp(3.0, comparator="<"),))

    assert (result["sdai"].status, result["sdai"].value) == (MET, None)
    assert result["sdai"].criteria[0].value == "<3.3"


def test_a_crp_after_as_of_does_not_exist_yet() -> None:
    result = patient(when="2016-05-30", labs=(crp(3.0, "2016-06-02"),))

    assert result["boolean_2011"].status is UNKNOWN


@pytest.mark.parametrize(
    ("more", "boolean_visit", "score_visit"),
    [
        pytest.param((visit("w", "2016-05-20", None, None, None),), "v", "v",
                     id="a later weight-only visit hides nothing"),
        pytest.param((visit("b", "2016-05-20", 0, 0, None, 0.0),), "b", "v",
                     id="a later visit without EGA serves Boolean only"),
        pytest.param((visit("c", "2016-05-20", 0, 0, None, 0.0, 0.0),), "c", "c",
                     id="a later complete visit serves all"),
    ],
)  # fmt: skip
def test_each_definition_reads_the_latest_visit_with_its_items(
    more: tuple[Assessment, ...], boolean_visit: str, score_visit: str
) -> None:
    result = patient(more=more)

    assert result["boolean_2022"].assessment_id == boolean_visit
    assert (result["sdai"].assessment_id, result["cdai"].assessment_id) == (score_visit,) * 2


@pytest.mark.parametrize(("when", "expected"), [("2016-03-03", MET), ("2016-03-02", UNKNOWN)])
def test_only_visits_of_the_remission_window(when: str, expected: Status) -> None:
    result = patient(when=when, labs=(crp(3.0, when),))

    assert result["boolean_2011"].status is expected
    if expected is UNKNOWN:
        assert result["boolean_2011"].assessment_id is None
        assert [c.name for c in result["boolean_2011"].criteria] == [
            "tender_joints_28", "swollen_joints_28", "crp", "patient_global"]  # fmt: skip
        assert result["cdai"].criteria == (Criterion("cdai", UNKNOWN),)
