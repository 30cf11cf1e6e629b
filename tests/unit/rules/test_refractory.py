import pytest

from app.rules.inputs import Regimen
from app.rules.outcomes import Status
from app.rules.refractory import refractory, refractory_timeline
from app.rules.settings import RuleSettings

from .builders import day, regimen

SETTINGS = RuleSettings()
AS_OF = day("2017-12-01")
MET, NOT_MET, UNKNOWN = Status.MET, Status.NOT_MET, Status.INSUFFICIENT_DATA

MTX_FAILED = regimen("mtx", "methotrexate", end="2012-01-01", reason="inefficacy")
ADA_FAILED = regimen("ada", "adalimumab", end="2013-01-01", reason="inefficacy")
ETN_FAILED = regimen("etn", "etanercept", end="2014-01-01", reason="adverse_event")
ABA_FAILED = regimen("aba", "abatacept", end="2015-01-01", reason="intolerance")
RTX_FAILED = regimen("rtx", "rituximab", end="2016-01-01", reason="inefficacy")


@pytest.mark.parametrize(
    ("regimens", "expected"),
    [
        pytest.param((), NOT_MET, id="no regimens"),
        pytest.param((MTX_FAILED, ADA_FAILED, ABA_FAILED), MET, id="1 conventional, 2 mechanisms"),
        pytest.param((ADA_FAILED, ABA_FAILED), NOT_MET, id="no conventional failure"),
        pytest.param((MTX_FAILED, ADA_FAILED), NOT_MET, id="one mechanism"),
        pytest.param((MTX_FAILED, ADA_FAILED, ETN_FAILED), NOT_MET, id="two TNF count once"),
        pytest.param(
            (regimen("mmf", "mycophenolate_mofetil", end="2012-01-01", reason="intolerance"),
             ETN_FAILED, RTX_FAILED),
            MET,
            id="immunosuppressant is conventional",
        ),
        pytest.param(
            (MTX_FAILED, ADA_FAILED, regimen("tofa", "tofacitinib", end="2016-01-01",
                                             reason="adverse_event")),
            MET,
            id="tsDMARD is advanced",
        ),
        pytest.param(
            (MTX_FAILED, ADA_FAILED, regimen("aba", "abatacept", end="2015-01-01")),
            UNKNOWN,
            id="unrecorded stop reason could make it met",
        ),
        pytest.param(
            (regimen("mtx", "methotrexate", end="2012-01-01"), ADA_FAILED, ABA_FAILED),
            UNKNOWN,
            id="unrecorded conventional stop reason",
        ),
        pytest.param(
            (regimen("hcq", "hydroxychloroquine", end="2012-01-01", reason="patient_choice"),
             ADA_FAILED, regimen("aba", "abatacept", end="2015-01-01")),
            NOT_MET,
            id="unrecorded reason cannot flip it",
        ),
        pytest.param(
            (MTX_FAILED, ADA_FAILED, regimen("etn", "etanercept", end="2014-01-01")),
            NOT_MET,
            id="unrecorded reason on an already failed mechanism",
        ),
        pytest.param(
            (MTX_FAILED, ADA_FAILED, regimen("aba", "abatacept", end="2015-01-01",
                                             reason="remission")),
            NOT_MET,
            id="remission is not a failure",
        ),
        pytest.param(
            (MTX_FAILED, ADA_FAILED, regimen("aba", "abatacept", end="2018-01-01",
                                             reason="inefficacy")),
            NOT_MET,
            id="ends after as_of",
        ),
        pytest.param(
            (MTX_FAILED, ADA_FAILED, regimen("aba", "abatacept", end="2017-12-01",
                                             reason="inefficacy")),
            MET,
            id="ends on as_of",
        ),
        pytest.param(
            (MTX_FAILED, ADA_FAILED, regimen("aba", "abatacept")), NOT_MET, id="active regimen"
        ),
        pytest.param(
            (regimen("pred", "prednisone", end="2012-01-01", reason="inefficacy"),
             ADA_FAILED, ABA_FAILED),
            NOT_MET,
            id="glucocorticoids never count",
        ),
        pytest.param(
            (regimen("pred", "prednisone", end="2012-01-01"), ADA_FAILED, ABA_FAILED),
            NOT_MET,
            id="glucocorticoid without reason is ignored",
        ),
    ],
)  # fmt: skip
def test_refractory_status(regimens: tuple[Regimen, ...], expected: Status) -> None:
    assert refractory(regimens, AS_OF, SETTINGS).status is expected


@pytest.mark.parametrize(
    ("conventional", "advanced", "expected"),
    [(1, 3, NOT_MET), (2, 2, NOT_MET), (1, 2, MET), (0, 1, MET)],
)
def test_thresholds_are_settings(conventional: int, advanced: int, expected: Status) -> None:
    settings = RuleSettings(
        refractory_min_conventional_failures=conventional,
        refractory_min_advanced_mechanisms=advanced,
    )

    result = refractory((MTX_FAILED, ADA_FAILED, ETN_FAILED, ABA_FAILED), AS_OF, settings)

    assert result.status is expected


def test_evidence_lists_failures_counts_and_inefficacy_alone() -> None:
    unrecorded = regimen("rtx", "rituximab", end="2016-01-01")
    regimens = (MTX_FAILED, ADA_FAILED, ETN_FAILED, ABA_FAILED, unrecorded)

    result = refractory(regimens, AS_OF, SETTINGS)

    assert result.status is MET
    assert [(c.name, c.status, c.value, c.limit, c.unit) for c in result.criteria] == [
        ("conventional_failures", MET, 1, 1, "drugs"),
        ("advanced_mechanisms_failed", MET, 2, 2, "mechanisms"),
    ]
    evidence = result.evidence
    assert evidence["failed_regimens"] == [
        {"id": r.id, "drug": r.drug.code, "drug_class": r.drug.drug_class,
         "mechanism": r.drug.mechanism, "reason": r.discontinuation_reason,
         "end_date": r.end_date}
        for r in (MTX_FAILED, ADA_FAILED, ETN_FAILED, ABA_FAILED)
    ]  # fmt: skip
    assert (evidence["conventional_failures"], evidence["advanced_mechanisms_failed"]) == (1, 2)
    assert (evidence["min_conventional_failures"], evidence["min_advanced_mechanisms"]) == (1, 2)
    assert evidence["inefficacy_only"] == {
        "conventional_failures": 1,
        "advanced_mechanisms_failed": 1,
    }
    assert evidence["unrecorded_reason_regimen_ids"] == ["rtx"]
    assert result.summary == "1 conventional drug(s) and 2 advanced mechanism(s) failed"


def test_insufficient_summary_names_the_missing_reasons() -> None:
    result = refractory(
        (MTX_FAILED, ADA_FAILED, regimen("aba", "abatacept", end="2015-01-01")), AS_OF, SETTINGS
    )

    assert result.summary.endswith("ended regimens without a recorded reason could make it met")
    assert result.criteria[1].status is UNKNOWN


def test_timeline_evaluates_each_end_date_once() -> None:
    same_day = regimen("hcq", "hydroxychloroquine", end="2013-01-01", reason="access")
    regimens = (ABA_FAILED, MTX_FAILED, same_day, ADA_FAILED, regimen("x", "rituximab"))

    timeline = refractory_timeline(regimens, day("2015-01-01"), SETTINGS)

    assert timeline == [
        (day("2012-01-01"), NOT_MET),
        (day("2013-01-01"), NOT_MET),
        (day("2015-01-01"), MET),
    ]
