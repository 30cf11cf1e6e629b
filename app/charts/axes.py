"""Axes: gridlines, ticks and their labels, drawn under the data."""

import xml.etree.ElementTree as ET
from datetime import date
from decimal import Decimal

from app.charts.scales import DateScale, Linear, tick_label
from app.charts.style import AXIS, GRID, MUTED, text
from app.charts.svg import add

TICK_FONT = 12


def value_axis(
    parent: ET.Element, scale: Linear, ticks: list[Decimal], left: float, right: float, key: str
) -> None:
    """Horizontal gridlines with their values at the left of the plot."""
    group = add(parent, "g", {"class": f"y-axis {key}"})
    step = ticks[1] - ticks[0]
    for tick in ticks:
        y = scale(float(tick))
        add(group, "line", {"x1": left, "x2": right, "y1": y, "y2": y, "stroke": GRID})
        label = tick_label(tick, step)
        text(
            group,
            left - 8,
            y,
            label,
            {"class": "y-tick", "data-value": label, "text-anchor": "end", "font-size": TICK_FONT},
        )


def date_gridlines(
    parent: ET.Element, scale: DateScale, ticks: list[tuple[date, str]], top: float, bottom: float
) -> None:
    group = add(parent, "g", {"class": "x-grid"})
    for day, _ in ticks:
        x = scale(day)
        add(group, "line", {"x1": x, "x2": x, "y1": top, "y2": bottom, "stroke": GRID})


def date_axis(
    parent: ET.Element, scale: DateScale, ticks: list[tuple[date, str]], y: float
) -> None:
    """The baseline at `y`, a tick mark and a label under it for each date."""
    group = add(parent, "g", {"class": "x-axis"})
    add(group, "line", {"x1": scale.start, "x2": scale.end, "y1": y, "y2": y, "stroke": AXIS})
    for day, label in ticks:
        x = scale(day)
        add(group, "line", {"x1": x, "x2": x, "y1": y, "y2": y + 5, "stroke": AXIS})
        text(
            group,
            x,
            y + 16,
            label,
            {
                "class": "x-tick",
                "data-date": day.isoformat(),
                "text-anchor": "middle",
                "font-size": TICK_FONT,
                "fill": MUTED,
            },
        )
