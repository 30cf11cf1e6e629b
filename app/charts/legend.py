"""Legends: a row of swatches with labels above the plot (never over the data), wrapping
onto more rows when they do not fit the width."""

import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from app.charts import style
from app.charts.svg import add, num, text_width

FONT = 12
ROW_HEIGHT = 22
SWATCH = 26  # the width a swatch is drawn in, centred
GAP = 22  # between entries

Swatch = Callable[[ET.Element, float, float], None]


@dataclass(frozen=True)
class Entry:
    """`new_row`: start a new row of the legend with this entry (to group entries)."""

    key: str
    label: str
    swatch: Swatch
    new_row: bool = False


def _width(entry: Entry) -> float:
    return SWATCH + 6 + text_width(entry.label, FONT)


def _layout(entries: Sequence[Entry], width: float) -> list[tuple[float, int]]:
    """(x offset, row) of each entry."""
    placed = []
    x, row = 0.0, 0
    for entry in entries:
        if x > 0 and (entry.new_row or x + _width(entry) > width):
            x, row = 0.0, row + 1
        placed.append((x, row))
        x += _width(entry) + GAP
    return placed


def height(entries: Sequence[Entry], width: float) -> float:
    placed = _layout(entries, width)
    return (placed[-1][1] + 1) * ROW_HEIGHT if placed else 0


def draw(
    parent: ET.Element, entries: Sequence[Entry], left: float, top: float, width: float
) -> None:
    group = add(parent, "g", {"class": "legend"})
    for entry, (x, row) in zip(entries, _layout(entries, width), strict=True):
        item = add(group, "g", {"class": "legend-item", "data-key": entry.key})
        y = top + row * ROW_HEIGHT + ROW_HEIGHT / 2
        entry.swatch(item, left + x + SWATCH / 2, y)
        style.text(item, left + x + SWATCH + 6, y, entry.label, {"font-size": FONT})


def series(key: str, colour: str) -> Swatch:
    """A short line through the series' marker."""

    def swatch(parent: ET.Element, x: float, y: float) -> None:
        line = {"x1": x - 12, "x2": x + 12, "y1": y, "y2": y}
        add(parent, "line", {**line, "stroke": colour, "stroke-width": 1.5})
        style.lab_marker(parent, key, x, y, {})

    return swatch


def infusion(kind: str) -> Swatch:
    def swatch(parent: ET.Element, x: float, y: float) -> None:
        style.infusion_marker(parent, kind, x, y, {})

    return swatch


def dashed(parent: ET.Element, x: float, y: float) -> None:
    line = {"x1": x - 12, "x2": x + 12, "y1": y, "y2": y}
    add(parent, "line", {**line, "stroke": style.MUTED, "stroke-dasharray": "5 3"})


def remission(parent: ET.Element, x: float, y: float) -> None:
    box = {"x": x - 12, "y": y - 8, "width": 24, "height": 16}
    add(parent, "rect", {**box, "fill": style.REMISSION_FILL, "opacity": style.REMISSION_OPACITY})


def regimen(parent: ET.Element, x: float, y: float) -> None:
    box = {"x": x - 12, "y": y - 6, "width": 24, "height": 12}
    add(parent, "rect", {**box, "fill": style.BAR_FILLS[0], "stroke": style.BAR_STROKE})


def dose_change(parent: ET.Element, x: float, y: float) -> None:
    box = {"x": x - 12, "y": y - 6, "width": 12, "height": 12}
    add(parent, "rect", {**box, "fill": style.BAR_FILLS[0], "stroke": style.BAR_STROKE})
    add(parent, "rect", {**box, "x": x, "fill": style.BAR_FILLS[1], "stroke": style.BAR_STROKE})
    line = {"x1": x, "x2": x, "y1": y - 9, "y2": y + 9}
    add(parent, "line", {**line, "stroke": style.DOSE_TICK, "stroke-width": 2})


def step_line(parent: ET.Element, x: float, y: float) -> None:
    path = f"M{num(x - 12)},{num(y - 5)} H{num(x)} V{num(y + 5)} H{num(x + 12)}"
    add(parent, "path", {"d": path, "fill": "none", "stroke": style.KM_COLOUR, "stroke-width": 2})


def censor(parent: ET.Element, x: float, y: float) -> None:
    style.censor_mark(parent, x, y, {})
