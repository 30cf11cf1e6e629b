import pytest

from app.rules.inputs import LabResult, Regimen
from app.rules.outcomes import SafetyAlert
from app.rules.safety import safety_alerts
from app.rules.settings import RuleSettings

from .builders import at, day, lab, records, regimen

SETTINGS = RuleSettings()
AS_OF = "2016-05-10"
ON_TOCILIZUMAB = (regimen("toci", "tocilizumab", "2016-01-01", dose=8, unit="mg/kg"),)


def alerts(
    *labs: LabResult, regimens: tuple[Regimen, ...] = ON_TOCILIZUMAB, as_of: str = AS_OF
) -> tuple[SafetyAlert, ...]:
    return safety_alerts(records(regimens=regimens, labs=labs), day(as_of), SETTINGS)


@pytest.mark.parametrize(
    ("test", "value", "high", "expected"),
    [
        ("neutrophils", 0.49, None, ("discontinue", 0.5)),
        ("neutrophils", 0.5, None, ("interrupt", 1.0)),
        ("neutrophils", 1.0, None, ("interrupt", 1.0)),
        ("neutrophils", 1.01, None, None),
        ("platelets", 49.9, None, ("discontinue", 50.0)),
        ("platelets", 50.0, None, ("interrupt", 100.0)),
        ("platelets", 100.0, None, ("interrupt", 100.0)),
        ("platelets", 100.1, None, None),
        ("alt", 201.0, None, ("discontinue", 200.0)),  # > 5 x 40 U/L
        ("alt", 200.0, None, ("interrupt", 120.0)),
        ("alt", 121.0, None, ("interrupt", 120.0)),  # > 3 x 40 U/L
        ("alt", 120.0, None, None),
        ("ast", 151.0, 30.0, ("discontinue", 150.0)),  # the lab's upper limit, 30 U/L
        ("ast", 91.0, 30.0, ("interrupt", 90.0)),
        ("ast", 90.0, 30.0, None),
    ],
)
def test_thresholds(
    test: str, value: float, high: float | None, expected: tuple[str, float] | None
) -> None:
    result = alerts(lab("r", test, AS_OF, value, high=high))

    assert [(a.action, a.limit) for a in result] == ([] if expected is None else [expected])


def test_an_alert_names_the_result() -> None:
    (alert,) = alerts(lab("neut", "neutrophils", AS_OF, 0.4))

    assert alert == SafetyAlert(
        action="discontinue",
        test="neutrophils",
        value=0.4,
        limit=0.5,
        unit="10*9/L",
        source_id="neut",
        observed_at=at(AS_OF),
        message="discontinue tocilizumab: neutrophils 0.4 10*9/L below 0.5",
    )


def test_transaminase_message_says_above() -> None:
    (alert,) = alerts(lab("alt", "alt", AS_OF, 130.0))

    assert alert.message == "interrupt tocilizumab: alt 130 U/L above 120"


@pytest.mark.parametrize(
    ("collected", "alerted"),
    [("2016-04-10", True), ("2016-04-09", False), ("2016-05-11", False)],
)
def test_only_results_of_the_30_days_up_to_as_of(collected: str, alerted: bool) -> None:
    assert bool(alerts(lab("p", "platelets", collected, 20.0))) is alerted


@pytest.mark.parametrize(
    "regimens",
    [
        pytest.param((), id="no regimen"),
        pytest.param((regimen("ada", "adalimumab", "2016-01-01"),), id="other drug"),
        pytest.param((regimen("toci", "tocilizumab", "2016-01-01", "2016-05-09"),), id="stopped"),
        pytest.param((regimen("toci", "tocilizumab", "2016-05-11"),), id="not started"),
    ],
)
def test_only_for_a_patient_on_tocilizumab(regimens: tuple[Regimen, ...]) -> None:
    assert alerts(lab("p", "platelets", AS_OF, 20.0), regimens=regimens) == ()


def test_the_latest_result_of_each_test_decides() -> None:
    result = alerts(
        lab("old-low", "platelets", "2016-05-01", 20.0),
        lab("new-ok", "platelets", "2016-05-09", 200.0),
        lab("old-ok", "neutrophils", "2016-05-01", 3.0),
        lab("new-text", "neutrophils", "2016-05-09", text="pending"),
        lab("ast", "ast", AS_OF, 500.0),
        lab("alt", "alt", AS_OF, 150.0),
        lab("crp", "crp", AS_OF, 90.0),
    )

    assert [(a.source_id, a.action) for a in result] == [
        ("alt", "interrupt"),
        ("ast", "discontinue"),
    ]


@pytest.mark.parametrize(
    ("test", "value", "comparator", "expected"),
    [
        ("neutrophils", 0.5, "<", ("discontinue", "discontinue tocilizumab: neutrophils <0.5 "
                                   "10*9/L below 0.5")),
        ("neutrophils", 0.8, "<", ("discontinue", "discontinue tocilizumab: neutrophils <0.8 "
                                   "10*9/L may be below 0.5")),
        ("neutrophils", 0.5, ">=", ("interrupt", "interrupt tocilizumab: neutrophils >=0.5 "
                                    "10*9/L may be below 1")),
        ("neutrophils", 1.0, ">=", ("interrupt", "interrupt tocilizumab: neutrophils >=1 "
                                    "10*9/L may be below 1")),
        ("neutrophils", 1.0, ">", None),
        ("platelets", 10.0, "<=", ("discontinue", "discontinue tocilizumab: platelets <=10 "
                                   "10*9/L below 50")),
        ("alt", 1000.0, ">", ("discontinue", "discontinue tocilizumab: alt >1000 U/L above 200")),
        ("alt", 150.0, ">", ("discontinue", "discontinue tocilizumab: alt >150 U/L may be above "
                             "200")),
        ("alt", 120.0, ">", ("discontinue", "discontinue tocilizumab: alt >120 U/L may be above "
                             "200")),  # the most severe action it cannot rule out
        ("alt", 5.0, "<", None),
        ("alt", 200.0, "<", ("interrupt", "interrupt tocilizumab: alt <200 U/L may be above 120")),
    ],
)  # fmt: skip
def test_a_censored_result_alerts_for_what_it_cannot_rule_out(
    test: str, value: float, comparator: str, expected: tuple[str, str] | None
) -> None:
    result = alerts(lab("r", test, AS_OF, value, comparator=comparator))

    assert [(a.action, a.message) for a in result] == ([] if expected is None else [expected])
    assert all(a.comparator == comparator and a.value == value for a in result)


def test_exact_limits_through_the_converter() -> None:
    # 121 U/L against a reference high of 40.33 U/L: 3 x 40.33 = 120.99, exactly.
    (alert,) = alerts(lab("alt", "alt", AS_OF, 121.0, high=40.33))

    assert (alert.action, alert.limit) == ("interrupt", 120.99)
