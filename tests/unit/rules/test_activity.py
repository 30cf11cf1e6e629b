from dataclasses import replace

import pytest

from app.rules.activity import (
    CDAI_CUTOFFS,
    DAS28_CUTOFFS,
    DAS28_WARNING,
    SDAI_CUTOFFS,
    Cutoffs,
    category,
    das28_esr,
    disease_activity,
)
from app.rules.inputs import LabResult, PatientRecords, Regimen
from app.rules.outcomes import DiseaseActivity, Score
from app.rules.settings import RuleSettings

from .builders import day, lab, records, regimen, visit

SETTINGS = RuleSettings()
VISIT_DAY = "2016-05-10"
CHECK_VISIT = visit("v", VISIT_DAY, tender=4, swollen=2, patient_global=50, evaluator_global=30)


def scores(patient_records: PatientRecords, as_of: str = "2016-06-01") -> dict[str, Score]:
    activity = disease_activity(patient_records, day(as_of), SETTINGS)
    return {score.name: score for score in activity.scores}


def with_labs(*labs: LabResult, regimens: tuple[Regimen, ...] = ()) -> PatientRecords:
    return records(labs=labs, visits=(CHECK_VISIT,), regimens=regimens)


def test_spec_check_values() -> None:
    result = scores(
        with_labs(lab("esr", "esr", VISIT_DAY, 30.0), lab("crp", "crp", VISIT_DAY, 12.0))
    )

    assert result["das28_esr"] == Score("das28_esr", 4.60, "moderate", source_ids=("v", "esr"))
    assert result["das28_crp"] == Score("das28_crp", 4.10, "moderate", source_ids=("v", "crp"))
    assert result["cdai"] == Score("cdai", 14.0, "moderate", source_ids=("v",))
    assert result["sdai"] == Score("sdai", 15.2, "moderate", source_ids=("v", "crp"))


@pytest.mark.parametrize(
    ("value", "cutoffs", "expected"),
    [
        (2.59, DAS28_CUTOFFS, "remission"),
        (2.6, DAS28_CUTOFFS, "low"),
        (3.2, DAS28_CUTOFFS, "low"),
        (3.21, DAS28_CUTOFFS, "moderate"),
        (5.1, DAS28_CUTOFFS, "moderate"),
        (5.11, DAS28_CUTOFFS, "high"),
        (2.8, CDAI_CUTOFFS, "remission"),
        (2.81, CDAI_CUTOFFS, "low"),
        (10.0, CDAI_CUTOFFS, "low"),
        (22.0, CDAI_CUTOFFS, "moderate"),
        (22.1, CDAI_CUTOFFS, "high"),
        (3.3, SDAI_CUTOFFS, "remission"),
        (11.0, SDAI_CUTOFFS, "low"),
        (26.0, SDAI_CUTOFFS, "moderate"),
        (26.1, SDAI_CUTOFFS, "high"),
    ],
)
def test_categories_at_their_edges(value: float, cutoffs: Cutoffs, expected: str) -> None:
    assert category(value, cutoffs) == expected


def test_esr_below_one_is_taken_as_one() -> None:
    assert das28_esr(0, 0, 0.2, 0) == das28_esr(0, 0, 1.0, 0) == 0.0


def test_sdai_remission_edge_after_rounding() -> None:
    # 1 + 1 + 0.5 + 0.5 + 0.3 mg/dL = 3.3: remission, whatever the float noise.
    patient_records = records(
        labs=(lab("crp", "crp", VISIT_DAY, 3.0),),
        visits=(visit("v", VISIT_DAY, 1, 1, patient_global=5, evaluator_global=5),),
    )

    assert scores(patient_records)["sdai"] == Score(
        "sdai", 3.3, "remission", source_ids=("v", "crp")
    )


def test_missing_inputs_omit_scores_with_the_reason() -> None:
    partial = visit("v", VISIT_DAY, tender=None, swollen=1, patient_global=40)

    result = scores(records(visits=(partial,)))

    assert result["das28_esr"] == Score(
        "das28_esr", None, omitted_reason="missing: tender_joints_28, esr"
    )
    assert result["cdai"].omitted_reason == "missing: tender_joints_28, evaluator_global"
    assert result["sdai"].omitted_reason == "missing: tender_joints_28, evaluator_global, crp"


@pytest.mark.parametrize(
    ("esr_day", "as_of", "used"),
    [
        ("2016-04-26", "2016-06-01", True),  # 14 days before the visit
        ("2016-04-25", "2016-06-01", False),  # 15 days before
        ("2016-05-24", "2016-06-01", True),  # 14 days after
        ("2016-05-25", "2016-06-01", False),  # 15 days after
        ("2016-05-24", "2016-05-23", False),  # after as_of: does not exist yet
    ],
)
def test_esr_within_14_days_of_the_visit(esr_day: str, as_of: str, used: bool) -> None:
    result = scores(with_labs(lab("esr", "esr", esr_day, 30.0)), as_of)

    assert (result["das28_esr"].value is not None) is used


def esr(lab_id: str, when: str, seq: int = 0) -> LabResult:
    return lab(lab_id, "esr", when, 30.0, seq=seq)


@pytest.mark.parametrize(
    ("labs", "chosen"),
    [
        ((esr("far", "2016-05-01"), esr("near", "2016-05-13")), "near"),
        ((esr("before", "2016-05-07"), esr("after", "2016-05-13")), "after"),
        ((esr("first", VISIT_DAY, seq=2), esr("second", VISIT_DAY, seq=1)), "first"),
        ((esr("number", "2016-05-07"), lab("text", "esr", VISIT_DAY, text="clotted")), "number"),
    ],
)
def test_the_nearest_interpretable_esr_is_used(labs: tuple[LabResult, ...], chosen: str) -> None:
    assert scores(with_labs(*labs))["das28_esr"].source_ids == ("v", chosen)


@pytest.mark.parametrize(
    ("drug", "end", "warned"),
    [
        ("tocilizumab", None, True),
        ("tofacitinib", None, True),
        ("adalimumab", None, False),
        ("tocilizumab", "2016-05-09", False),  # stopped before the assessment
    ],
)
def test_il6r_and_jak_inhibitors_warn_on_das28(drug: str, end: str | None, warned: bool) -> None:
    on_drug = (regimen("r", drug, "2016-01-01", end, dose=8, unit="mg/kg"),)

    result = scores(with_labs(lab("esr", "esr", VISIT_DAY, 2.0), regimens=on_drug))

    expected = DAS28_WARNING if warned else None
    assert (result["das28_esr"].warning, result["das28_crp"].warning) == (expected, expected)
    assert result["cdai"].warning is None


def test_no_assessment_omits_every_score() -> None:
    later = visit("later", "2016-07-01", patient_global=10, evaluator_global=10)

    activity = disease_activity(records(visits=(later,)), day("2016-06-01"), SETTINGS)

    assert activity == DiseaseActivity(
        None,
        None,
        tuple(Score(name, None, omitted_reason="no assessment")
              for name in ("das28_esr", "das28_crp", "cdai", "sdai")),
    )  # fmt: skip


def test_the_latest_assessment_is_used() -> None:
    visits = (
        CHECK_VISIT,
        visit("same-time", VISIT_DAY, 0, 0, patient_global=0, evaluator_global=0, seq=1),
        visit("earlier", "2016-05-01", 9, 9, patient_global=90, evaluator_global=90),
    )

    activity = disease_activity(records(visits=visits), day("2016-06-01"), SETTINGS)

    assert activity.assessment_id == "same-time"
    assert activity.scores[2] == Score("cdai", 0.0, "remission", source_ids=("same-time",))


def test_das28_is_categorised_unrounded() -> None:
    # 0.70 x ln(41) = 2.5995...: remission, although it is reported as 2.60.
    patient_records = records(
        labs=(lab("esr", "esr", VISIT_DAY, 41.0),),
        visits=(visit("v", VISIT_DAY, 0, 0, patient_global=0),),
    )

    result = scores(patient_records)["das28_esr"]

    assert (result.value, result.category) == (2.6, "remission")


def test_cdai_is_an_exact_sum() -> None:
    # 0 + 0 + 1.4 + 1.4 = 2.8 exactly: remission (2.8000000000000003 in floats).
    patient_records = records(
        visits=(visit("v", VISIT_DAY, 0, 0, patient_global=14, evaluator_global=14),)
    )

    assert scores(patient_records)["cdai"] == Score("cdai", 2.8, "remission", source_ids=("v",))


def test_a_weight_only_visit_hides_no_score() -> None:
    weighed = visit("w", "2016-05-20", None, None, None, weight_kg=62.0)
    patient_records = with_labs(
        lab("esr", "esr", VISIT_DAY, 30.0), lab("crp", "crp", VISIT_DAY, 12.0)
    )

    activity = disease_activity(
        replace(patient_records, assessments=(*patient_records.assessments, weighed)),
        day("2016-06-01"),
        SETTINGS,
    )

    assert [s.value for s in activity.scores] == [4.6, 4.1, 14.0, 15.2]
    assert activity.assessment_id == "v"


def test_each_score_reads_its_own_latest_complete_assessment() -> None:
    joints_only = visit("j", "2016-05-20", 0, 0, None, patient_global=0)  # no evaluator global
    patient_records = with_labs(lab("esr", "esr", "2016-05-20", 30.0))

    activity = disease_activity(
        replace(patient_records, assessments=(CHECK_VISIT, joints_only)),
        day("2016-06-01"),
        SETTINGS,
    )

    by_name = {s.name: s for s in activity.scores}
    assert by_name["das28_esr"].source_ids == ("j", "esr")
    assert by_name["cdai"].source_ids == ("v",)
    assert activity.assessment_id == "j"


@pytest.mark.parametrize(("as_of", "stale"), [("2016-08-08", False), ("2016-08-09", True)])
def test_an_assessment_older_than_90_days_is_stale(as_of: str, stale: bool) -> None:
    result = scores(records(visits=(CHECK_VISIT,)), as_of)["cdai"]

    if stale:
        assert result == Score("cdai", None, omitted_reason="stale", source_ids=("v",))
    else:
        assert result.value == 14.0


def test_the_stale_limit_is_a_setting() -> None:
    settings = RuleSettings(activity_stale_days=10)

    activity = disease_activity(records(visits=(CHECK_VISIT,)), day("2016-05-21"), settings)

    assert activity.scores[2].omitted_reason == "stale"
    assert (activity.assessment_id, activity.assessed_at) == (None, None)


def test_a_censored_esr_is_not_scored() -> None:
    result = scores(with_labs(lab("esr", "esr", VISIT_DAY, 2.0, comparator="<")))

    assert result["das28_esr"].omitted_reason == "missing: esr"


def test_a_missing_lab_keeps_the_drug_warning() -> None:
    on_drug = (regimen("r", "tocilizumab", "2016-01-01", dose=8, unit="mg/kg"),)

    result = scores(with_labs(regimens=on_drug))

    assert result["das28_esr"] == Score(
        "das28_esr", None, omitted_reason="missing: esr", warning=DAS28_WARNING, source_ids=("v",)
    )
