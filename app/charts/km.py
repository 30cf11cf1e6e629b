"""The case-series Kaplan-Meier chart: remission-free probability as a step function of days
since the drug was started, a tick where a patient left follow-up without remission
(censored), and the number still at risk under the day axis."""

import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Sequence
from decimal import Decimal

from app.charts import legend, style
from app.charts.axes import TICK_FONT, value_axis
from app.charts.model import KmChartData, KmStep
from app.charts.scales import Linear
from app.charts.svg import add, document, num, serialize, text_width, tooltip

WIDTH = 960
HEIGHT = 600
LEFT = 90
RIGHT = 40
PLOT_TOP = 110
PLOT_BOTTOM = 460
INSET = 8
# Day ticks in clinical units: a month, a quarter, half a year, a year, two years.
DAY_STEPS = (7, 14, 30, 60, 90, 180, 365, 730, 1825)
PROBABILITY_TICKS = [Decimal(i) / 5 for i in range(6)]


def day_ticks(last_day: int, width: float) -> list[int]:
    """Multiples of the smallest clinical step that leaves room for ten or so labels."""
    most = max(2, int(width // 70))
    step = next((s for s in DAY_STEPS if last_day // s + 1 <= most), DAY_STEPS[-1])
    return list(range(0, last_day + 1, step))


def at_risk_on(steps: Sequence[KmStep], day: int) -> int:
    """Patients followed for at least `day` days: the at-risk count of the first step on or
    after that day (steps exist at every event or censoring day), else none."""
    return next((s.at_risk for s in steps if s.day >= day), 0)


def probability_on(steps: Sequence[KmStep], day: int) -> float:
    """The estimate in force on `day` (after that day's events)."""
    return [s for s in steps if s.day <= day][-1].remission_free_probability


def _curve(root: ET.Element, steps: Sequence[KmStep], x: Linear, y: Linear) -> None:
    """One path per step, from its day to the next step's (each with its own tooltip)."""
    group = add(root, "g", {"class": "km-curve"})
    previous = steps[0].remission_free_probability
    ends = [s.day for s in steps[1:]] + [steps[-1].day]
    for step, end in zip(steps, ends, strict=True):
        p = step.remission_free_probability
        d = f"M{num(x(step.day))},{num(y(previous))} V{num(y(p))} H{num(x(end))}"
        attrs = {"class": "km-step", "data-day": step.day, "data-probability": f"{p:.4f}"}
        line = {"d": d, "fill": "none", "stroke": style.KM_COLOUR, "stroke-width": 2.2}
        path = add(group, "path", {**attrs, "data-at-risk": step.at_risk, **line})
        tooltip(path, f"Day {step.day}: {p:.2f} remission-free, {step.at_risk} at risk")
        previous = p


def median_day(steps: Sequence[KmStep]) -> int | None:
    """The median time to the event: the first day the estimate is at or below one half
    (lifelines' convention); None when it never gets there."""
    return next((s.day for s in steps if s.remission_free_probability <= 0.5), None)


def _median(root: ET.Element, day: int, x: Linear, y: Linear) -> None:
    """Dotted guides from one half across to the median day and down to the axis."""
    group = add(root, "g", {"class": "km-median", "data-day": day})
    d = f"M{num(x(0))},{num(y(0.5))} H{num(x(day))} V{num(y(0))}"
    add(group, "path", {"d": d, "fill": "none", "stroke": style.MUTED, "stroke-dasharray": "2 3"})
    label = f"Median {day} days"
    if x(day) + 8 + text_width(label, 12) <= x.end:  # right of the line, above the curve
        style.text(group, x(day) + 8, y(0.5) - 12, label, {"font-weight": "bold"})
    else:  # left of the line, under the curve
        attrs = {"font-weight": "bold", "text-anchor": "end"}
        style.text(group, x(day) - 8, y(0.5) + 14, label, attrs)


def _censored(root: ET.Element, data: KmChartData, x: Linear, y: Linear) -> None:
    group = add(root, "g", {"class": "censored"})
    for day, count in sorted(Counter(data.censored_days).items()):
        height = probability_on(data.steps, day)
        attrs = {"class": "censor", "data-day": day, "data-count": count}
        mark = style.censor_mark(group, x(day), y(height), attrs)
        tooltip(mark, f"{count} censored on day {day}")


def _day_axis(root: ET.Element, steps: Sequence[KmStep], x: Linear, ticks: list[int]) -> None:
    group = add(root, "g", {"class": "x-axis"})
    base = {"y1": PLOT_BOTTOM, "y2": PLOT_BOTTOM, "stroke": style.AXIS}
    add(group, "line", {**base, "x1": LEFT, "x2": WIDTH - RIGHT})
    risk = add(root, "g", {"class": "at-risk-table"})
    label = {"text-anchor": "end", "font-size": TICK_FONT, "font-weight": "bold"}
    style.text(risk, LEFT - 10, PLOT_BOTTOM + 78, "At risk", {**label, "class": "at-risk-label"})
    for day in ticks:
        at = x(day)
        add(
            group,
            "line",
            {"x1": at, "x2": at, "y1": PLOT_BOTTOM, "y2": PLOT_BOTTOM + 5, "stroke": style.AXIS},
        )
        tick = {"class": "x-tick", "data-day": day, "text-anchor": "middle", "fill": style.MUTED}
        style.text(group, at, PLOT_BOTTOM + 16, str(day), tick)
        count = at_risk_on(steps, day)
        cell = {"class": "at-risk", "data-day": day, "data-count": count, "text-anchor": "middle"}
        style.text(risk, at, PLOT_BOTTOM + 78, str(count), cell)


def _axis_titles(root: ET.Element, drug: str) -> None:
    title = {"class": "axis-label x", "text-anchor": "middle", "font-size": 13}
    middle = (LEFT + WIDTH - RIGHT) / 2
    style.text(root, middle, PLOT_BOTTOM + 44, f"Days since starting {drug}", title)
    y_middle = (PLOT_TOP + PLOT_BOTTOM) / 2
    rotate = {"transform": f"rotate(-90 {num(LEFT - 58)} {num(y_middle)})"}
    style.text(
        root,
        LEFT - 58,
        y_middle,
        "Remission-free probability",
        {**title, **rotate, "class": "axis-label y"},
    )


def _title(data: KmChartData) -> str:
    patients = data.steps[0].at_risk if data.steps else 0
    return f"Time to remission on {data.drug}: Kaplan-Meier estimate, {patients} patients"


def _describe(data: KmChartData) -> str:
    last = data.steps[-1]
    median = median_day(data.steps)
    reached = (
        f"median time to remission {median} days"
        if median is not None
        else ("the median time to remission was not reached")
    )
    return (
        f"{reached}; {last.remission_free_probability:.2f} remission-free on day {last.day}; "
        f"{len(data.censored_days)} patients censored."
    ).capitalize()


def km_chart_svg(data: KmChartData) -> str:
    """The chart as an SVG document (a string); with no patients, a short image with the
    title and a "no data" note."""
    title = _title(data)
    if not data.steps or data.steps[0].at_risk == 0:
        root = document(WIDTH, 100, title, "No patients in this case series.")
        style.text(
            root, 16, 30, title, {"class": "chart-title", "font-size": 18, "font-weight": "bold"}
        )
        note = {"class": "no-data", "fill": style.MUTED, "font-size": 13, "font-style": "italic"}
        style.text(root, 16, 70, "No patients in this case series.", note)
        return serialize(root)
    return serialize(_draw(data, title))


def _draw(data: KmChartData, title: str) -> ET.Element:
    root = document(WIDTH, HEIGHT, title, _describe(data))
    style.text(
        root, 16, 26, title, {"class": "chart-title", "font-size": 18, "font-weight": "bold"}
    )
    entries = [
        legend.Entry("km", "Remission-free probability", legend.step_line),
        legend.Entry("censored", "Censored: follow-up ended without remission", legend.censor),
    ]
    legend.draw(root, entries, LEFT, 48, WIDTH - LEFT - RIGHT)
    last_day = max([s.day for s in data.steps] + list(data.censored_days) + [1])
    ticks = day_ticks(last_day, WIDTH - LEFT - RIGHT)
    x = Linear(0, max(last_day, ticks[-1]), LEFT + INSET, WIDTH - RIGHT - INSET)
    y = Linear(0, 1, PLOT_BOTTOM, PLOT_TOP)
    value_axis(root, y, PROBABILITY_TICKS, LEFT, WIDTH - RIGHT, "probability")
    add(
        root,
        "line",
        {"x1": LEFT, "x2": LEFT, "y1": PLOT_TOP, "y2": PLOT_BOTTOM, "stroke": style.AXIS},
    )
    _axis_titles(root, data.drug)
    median = median_day(data.steps)
    if median is not None:
        _median(root, median, x, y)
    _curve(root, data.steps, x, y)
    _censored(root, data, x, y)
    _day_axis(root, data.steps, x, ticks)
    return root
