"""Remission on a drug that lowers ESR and CRP itself carries a caveat (clinical-rules.md,
second edition; "stopped less than 90 days before": an end date on or after as_of - 90)."""

from dataclasses import replace

import pytest

from app.rules.inputs import Regimen
from app.rules.outcomes import Caveat, Status
from app.rules.remission import remission
from app.rules.settings import RuleSettings

from .builders import day, in_remission, regimen
from .test_remission import EXAMPLE_DAY, evaluate

MET = Status.MET


def on(drug: str, start: str = "2016-01-01", end: str | None = None) -> Regimen:
    return regimen(drug, drug, start, end, dose=8, unit="mg/kg")


SUPPRESSED = (Caveat("acute_phase_suppressed", "tocilizumab", ("esr_normal", "crp_normal")),)


@pytest.mark.parametrize(
    ("regimens", "drugs"),
    [
        pytest.param((on("tocilizumab"),), ["tocilizumab"], id="on tocilizumab"),
        pytest.param((on("baricitinib"),), ["baricitinib"], id="on a JAK inhibitor"),
        pytest.param((on("sarilumab", end="2016-02-10"),), ["sarilumab"],
                     id="stopped exactly 90 days before"),
        pytest.param((on("tocilizumab", end="2016-02-09"),), [], id="stopped 91 days before"),
        pytest.param((on("adalimumab"),), [], id="a TNF inhibitor"),
        pytest.param((on("tocilizumab", start="2016-05-11"),), [], id="not started yet"),
        pytest.param((on("tocilizumab", end="2016-03-01"), on("baricitinib", "2016-03-02")),
                     ["baricitinib", "tocilizumab"], id="switched"),
    ],
)  # fmt: skip
def test_remission_on_an_acute_phase_suppressor_carries_a_caveat(
    regimens: tuple[Regimen, ...], drugs: list[str]
) -> None:
    base = in_remission(EXAMPLE_DAY)

    result = evaluate(replace(base, regimens=regimens))

    assert result.status is MET  # the flag still follows the six criteria
    assert [c.drug for c in result.caveats] == drugs
    assert all(c.criteria == ("esr_normal", "crp_normal") for c in result.caveats)


def test_the_caveat_of_the_spec() -> None:
    result = evaluate(replace(in_remission(EXAMPLE_DAY), regimens=(on("tocilizumab"),)))

    assert result.caveats == SUPPRESSED


def test_the_caveat_window_and_mechanisms_are_settings() -> None:
    regimens = (on("tocilizumab", end="2016-04-01"), on("adalimumab"))
    settings = RuleSettings(remission_caveat_days=30, remission_caveat_mechanisms=("TNF",))

    result = remission(replace(in_remission(EXAMPLE_DAY), regimens=regimens), day(EXAMPLE_DAY),
                       settings)  # fmt: skip

    assert [c.drug for c in result.caveats] == ["adalimumab"]
