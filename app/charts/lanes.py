"""The treatment rows of the patient chart: one row per drug, its regimens as bars (a
segment per dose in force, a tick at each change) and its infusions as markers under them.

A dose is written inside its segment when it fits (in full, else the dose alone), otherwise
above the segment's start when that does not run into the previous label of the row."""

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from app.charts import style
from app.charts.model import DoseStep, InfusionMark, RegimenBar
from app.charts.scales import DateScale
from app.charts.svg import add, num, text_width, tooltip

ROW_HEIGHT = 50
ABOVE_Y = 9  # within a row: dose labels that do not fit in their segment
BAR_TOP = 16
BAR_HEIGHT = 18
MARKER_Y = 42  # the infusion markers, under the bar
LABEL_FONT = 11
PADDING = 4
# Out-of-range doses are drawn last so no other marker hides them.
MARKER_ORDER = ("ok", "unknown", "out_of_range")


@dataclass
class Rows:
    """Where each drug's row is; remembers where the last label above a bar ended."""

    drugs: tuple[str, ...]
    top: float
    scale: DateScale
    label_ends: dict[str, float] = field(default_factory=dict)

    def y(self, drug: str) -> float:
        return self.top + self.drugs.index(drug) * ROW_HEIGHT


def drugs_in_order(regimens: Sequence[RegimenBar], infusions: Sequence[InfusionMark]) -> list[str]:
    """Each drug once, ordered by its first regimen start or infusion."""
    firsts: dict[str, date] = {}
    for drug, day in [(r.drug, r.start) for r in regimens] + [(i.drug, i.day) for i in infusions]:
        firsts[drug] = min(day, firsts.get(drug, day))
    return sorted(firsts, key=lambda drug: (firsts[drug], drug))


def draw_rows(parent: ET.Element, rows: Rows, left: float, right: float) -> None:
    """The drug names in the left margin and a faint rule between rows."""
    group = add(parent, "g", {"class": "treatment-rows"})
    for drug in rows.drugs:
        y = rows.y(drug)
        add(group, "line", {"x1": left, "x2": right, "y1": y, "y2": y, "stroke": style.GRID})
        attrs = {"class": "row-label", "data-drug": drug, "text-anchor": "end", "font-size": 12}
        style.text(group, left - 10, y + BAR_TOP + BAR_HEIGHT / 2, drug, attrs)


def draw_regimens(parent: ET.Element, rows: Rows, regimens: Sequence[RegimenBar]) -> None:
    for regimen in sorted(regimens, key=lambda r: (r.start, r.drug)):
        _regimen(parent, rows, regimen)


def _regimen(parent: ET.Element, rows: Rows, regimen: RegimenBar) -> None:
    """The bar from the later of start and the chart's first day to the earlier of end and
    its last day, with an arrow where it goes on beyond the chart."""
    first = max(regimen.start, rows.scale.first)
    last = min(regimen.end or rows.scale.last, rows.scale.last)
    end = regimen.end.isoformat() if regimen.end else "ongoing"
    attrs = {"class": "regimen", "data-drug": regimen.drug, "data-start": regimen.start.isoformat()}
    group = add(parent, "g", {**attrs, "data-end": end})
    until = f"to {end}" if regimen.end else "ongoing"
    tooltip(group, f"{regimen.drug} from {regimen.start.isoformat()}, {until}")
    top = rows.y(regimen.drug) + BAR_TOP
    x0, x1 = rows.scale(first), max(rows.scale(last), rows.scale(first) + 2)
    bar = {"x": x0, "y": top, "width": x1 - x0, "height": BAR_HEIGHT, "rx": 2}
    add(group, "rect", {**bar, "class": "regimen-bar", "fill": style.BAR_FILLS[0]})
    _dose_segments(group, rows, regimen, (first, last))
    add(group, "rect", {**bar, "fill": "none", "stroke": style.BAR_STROKE})
    if regimen.end is None or regimen.end > rows.scale.last:
        _arrow(group, x1, top, 1)
    if regimen.start < rows.scale.first:
        _arrow(group, x0, top, -1)


def _arrow(group: ET.Element, x: float, top: float, direction: int) -> None:
    """A small arrow head past the bar's end: the regimen goes on beyond the chart."""
    tip, base = x + 8 * direction, x + 2 * direction
    d = f"M{num(base)},{num(top + 3)} L{num(tip)},{num(top + BAR_HEIGHT / 2)} "
    d += f"L{num(base)},{num(top + BAR_HEIGHT - 3)} Z"
    add(group, "path", {"class": "continues", "d": d, "fill": style.BAR_STROKE})


def _dose_segments(
    group: ET.Element, rows: Rows, regimen: RegimenBar, bounds: tuple[date, date]
) -> None:
    ordered = sorted(regimen.doses, key=lambda step: step.start)
    ends = [step.start for step in ordered[1:]] + [bounds[1]]
    top = rows.y(regimen.drug) + BAR_TOP
    for index, (step, end) in enumerate(zip(ordered, ends, strict=True)):
        start = max(step.start, bounds[0])
        if start > bounds[1] or end < bounds[0]:
            continue
        x0, x1 = rows.scale(start), rows.scale(min(end, bounds[1]))
        segment = {"x": x0, "y": top, "width": max(x1 - x0, 0), "height": BAR_HEIGHT}
        attrs = {"class": "dose-segment", "data-start": step.start.isoformat()}
        fill = style.BAR_FILLS[index % 2]
        add(group, "rect", {**attrs, **segment, "data-label": step.label, "fill": fill})
        if index > 0 and step.start >= bounds[0]:
            _dose_tick(group, x0, top, step)
        _dose_label(group, rows, regimen.drug, step, (x0, x1))


def _dose_label(
    group: ET.Element, rows: Rows, drug: str, step: DoseStep, span: tuple[float, float]
) -> None:
    x0, x1 = span
    row = rows.y(drug)
    attrs = {"class": "dose-label", "font-size": LABEL_FONT, "data-start": step.start.isoformat()}
    for label in (step.label, step.dose):
        if text_width(label, LABEL_FONT) + 2 * PADDING <= x1 - x0:
            style.text(group, x0 + PADDING, row + BAR_TOP + BAR_HEIGHT / 2 + 0.5, label, attrs)
            return
    width = text_width(step.dose, LABEL_FONT)
    if x0 >= rows.label_ends.get(drug, 0.0) and x0 + width <= rows.scale.end:
        style.text(group, x0, row + ABOVE_Y, step.dose, {**attrs, "class": "dose-label above"})
        rows.label_ends[drug] = x0 + width + 8


def _dose_tick(group: ET.Element, x: float, top: float, step: DoseStep) -> None:
    line = {"x1": x, "x2": x, "y1": top - 3, "y2": top + BAR_HEIGHT + 3}
    attrs = {"class": "dose-change", "data-date": step.start.isoformat()}
    tick = add(group, "line", {**attrs, **line, "stroke": style.DOSE_TICK, "stroke-width": 2.5})
    tooltip(tick, f"Dose changed on {step.start.isoformat()}: {step.label}")


def draw_infusions(parent: ET.Element, rows: Rows, infusions: Sequence[InfusionMark]) -> None:
    group = add(parent, "g", {"class": "infusions", "data-count": len(infusions)})
    ranked = sorted(infusions, key=lambda i: (MARKER_ORDER.index(i.dose_check), i.day))
    for infusion in ranked:
        attrs = {
            "class": f"marker infusion {infusion.dose_check}",
            "data-date": infusion.day.isoformat(),
            "data-drug": infusion.drug,
        }
        x, y = rows.scale(infusion.day), rows.y(infusion.drug) + MARKER_Y
        marker = style.infusion_marker(group, infusion.dose_check, x, y, attrs)
        detail = f": {infusion.detail}" if infusion.detail else ""
        name = style.INFUSION_NAMES[infusion.dose_check]
        tooltip(marker, f"{infusion.drug} infusion {infusion.day.isoformat()}{detail} ({name})")
