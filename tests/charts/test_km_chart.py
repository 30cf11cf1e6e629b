import itertools
import random
import re
import xml.etree.ElementTree as ET
from collections import Counter

import pytest

from app.charts import KmChartData, KmStep, km_chart_svg
from app.rules.survival import kaplan_meier

from .svg_reading import NS, find, one, parse, title_of

DURATIONS = [0, 30, 30, 45, 90, 120, 120, 200, 365, 400, 400, 730]
OBSERVED = [True, True, False, True, False, True, True, False, True, False, False, True]


def chart(durations: list[int], observed: list[bool], drug: str = "tocilizumab") -> KmChartData:
    """What the service passes: the estimator's points and each censored patient's day."""
    steps = tuple(
        KmStep(p.day, p.remission_free_probability, p.at_risk)
        for p in kaplan_meier(durations, observed)
    )
    censored = tuple(d for d, seen in zip(durations, observed, strict=True) if not seen)
    return KmChartData(drug, steps, censored)


def _y_of(root: ET.Element, probability: float) -> float:
    ticks = find(one(root, "y-axis", "probability"), "y-tick")
    low, high = float(ticks[0].get("y", "")), float(ticks[-1].get("y", ""))
    return low + probability * (high - low)


def test_the_curve_has_a_step_for_every_point_of_the_estimate() -> None:
    data = chart(DURATIONS, OBSERVED)
    root = parse(km_chart_svg(data))

    steps = find(root, "km-step")
    assert [int(s.get("data-day", "")) for s in steps] == [step.day for step in data.steps]
    assert [float(s.get("data-probability", "")) for s in steps] == pytest.approx(
        [step.remission_free_probability for step in data.steps], abs=5e-5
    )
    assert steps[0].get("data-day") == steps[1].get("data-day") == "0"  # an event on day 0
    assert [s.get("data-at-risk") for s in steps] == [str(s.at_risk) for s in data.steps]


def test_each_step_is_drawn_at_its_height() -> None:
    data = chart(DURATIONS, OBSERVED)
    root = parse(km_chart_svg(data))

    for element, step in zip(find(root, "km-step"), data.steps, strict=True):
        vertical = re.search(r"V([-\d.]+)", element.get("d", ""))
        assert vertical is not None
        y = float(vertical.group(1))
        assert y == pytest.approx(_y_of(root, step.remission_free_probability), abs=0.5)


def test_censoring_ticks_sit_on_the_curve() -> None:
    data = chart(DURATIONS, OBSERVED)
    root = parse(km_chart_svg(data))

    marks = find(root, "censor")
    assert {int(m.get("data-day", "")): int(m.get("data-count", "")) for m in marks} == dict(
        Counter(d for d, seen in zip(DURATIONS, OBSERVED, strict=True) if not seen)
    )
    day_400 = next(m for m in marks if m.get("data-day") == "400")
    vertical = re.search(r"M([-\d.]+),([-\d.]+) H", day_400.get("d", ""))
    assert vertical is not None
    probability_on_day_400 = next(s for s in data.steps if s.day == 400).remission_free_probability
    assert float(vertical.group(2)) == pytest.approx(_y_of(root, probability_on_day_400), abs=0.5)
    assert title_of(day_400) == "2 censored on day 400"


def _random_series(seed: int) -> tuple[list[int], list[bool]]:
    rng = random.Random(seed)
    durations = [rng.randint(0, 1000) for _ in range(40)]
    return durations, [rng.random() < 0.6 for _ in durations]


# The table has patients leaving exactly on tick days (0, 90): they are still at risk then.
@pytest.mark.parametrize(
    ("durations", "observed"),
    [(DURATIONS, OBSERVED), _random_series(1), _random_series(2), _random_series(3)],
)
def test_at_risk_numbers_under_the_axis_count_the_patients_still_followed(
    durations: list[int], observed: list[bool]
) -> None:
    root = parse(km_chart_svg(chart(durations, observed)))

    cells = find(root, "at-risk")
    assert [c.get("data-day") for c in cells] == [t.get("data-day") for t in find(root, "x-tick")]
    for cell in cells:
        day = int(cell.get("data-day", ""))
        assert cell.text == str(sum(d >= day for d in durations))
    assert one(root, "at-risk-label").text == "At risk"


def test_axes_are_labelled() -> None:
    root = parse(km_chart_svg(chart(DURATIONS, OBSERVED, drug="tocilizumab")))

    assert one(root, "axis-label", "x").text == "Days since starting tocilizumab"
    assert one(root, "axis-label", "y").text == "Remission-free probability"
    labels = [t.text for t in find(one(root, "y-axis", "probability"), "y-tick")]
    assert labels == ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"]
    days = [int(t.text or "") for t in find(root, "x-tick")]
    assert days[0] == 0
    assert len({b - a for a, b in itertools.pairwise(days)}) == 1  # evenly spaced


def test_the_median_is_marked_where_the_curve_reaches_one_half() -> None:
    data = chart(DURATIONS, OBSERVED)
    root = parse(km_chart_svg(data))

    median = one(root, "km-median")
    expected = next(s.day for s in data.steps if s.remission_free_probability <= 0.5)
    assert median.get("data-day") == str(expected)
    assert f"Median {expected} days" in "".join(median.itertext())


def test_no_median_mark_when_the_curve_stays_above_one_half() -> None:
    root = parse(km_chart_svg(chart([100, 200, 300], [True, False, False])))

    assert find(root, "km-median") == []
    description = root.find(f"{NS}desc")
    assert description is not None
    assert description.text is not None
    assert description.text.startswith("The median time to remission was not reached")


def test_accessible_title_and_legend() -> None:
    root = parse(km_chart_svg(chart(DURATIONS, OBSERVED)))

    title = "Time to remission on tocilizumab: Kaplan-Meier estimate, 12 patients"
    assert root.get("role") == "img"
    assert root.get("aria-label") == title_of(root) == title
    assert [i.get("data-key") for i in find(root, "legend-item")] == ["km", "censored"]


@pytest.mark.parametrize(
    "data", [KmChartData("tocilizumab", ()), KmChartData("x", (KmStep(0, 1.0, 0),))]
)
def test_no_patients_gives_a_note(data: KmChartData) -> None:
    root = parse(km_chart_svg(data))

    assert [n.text for n in find(root, "no-data")] == ["No patients in this case series."]
    assert find(root, "km-step") == []


def test_everyone_censored_on_day_zero_does_not_divide_by_zero() -> None:
    markup = km_chart_svg(chart([0, 0], [False, False]))
    root = parse(markup)

    assert len(find(root, "km-step")) == 1
    assert one(root, "censor").get("data-count") == "2"
    assert not re.search(r"\b(nan|inf)\b", markup, re.IGNORECASE)
