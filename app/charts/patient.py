"""The patient chart: ESR and CRP in two stacked panels, each on its own axis with its unit,
remission runs shaded across the whole height, and one row per drug with its regimen bars
and infusion markers, over a shared calendar axis. No identifier of the patient is drawn:
the title names the period only, and the input holds none."""

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

from app.charts import lanes, legend, style
from app.charts.axes import date_axis, date_gridlines, value_axis
from app.charts.model import DateSpan, LabPoint, PatientChartData
from app.charts.scales import MONTHS, DateScale, Linear, date_ticks, value_ticks
from app.charts.svg import add, document, exact, num, serialize, tooltip

WIDTH = 1200
LEFT = 170  # drug names and value ticks
RIGHT = 70  # upper-limit labels
INSET = 10  # keeps markers on the first and last day inside the plot
PANEL_HEIGHT = 165
EMPTY_PANEL_HEIGHT = 44  # a lab with no result in the window: a note, not an empty frame
HEADING = 30  # room above a panel for its name and unit
EMPTY_ROWS_HEIGHT = 34
# A lone date still gets a readable stretch of calendar around it.
MIN_HALF_SPAN = timedelta(days=15)


@dataclass(frozen=True)
class Panel:
    key: str
    name: str
    unit: str
    colour: str


ESR = Panel("esr", "ESR", "mm/h", style.ESR_COLOUR)
CRP = Panel("crp", "CRP", "mg/L", style.CRP_COLOUR)


def _month(day: date) -> str:
    return f"{MONTHS[day.month - 1]} {day.year}"


def _all_days(data: PatientChartData) -> list[date]:
    days = [p.day for p in (*data.esr, *data.crp)] + [i.day for i in data.infusions]
    days += [r.start for r in data.regimens] + [r.end for r in data.regimens if r.end]
    return days + [d for run in data.remission_runs for d in (run.start, run.end)]


def _window(data: PatientChartData) -> tuple[date, date] | None:
    """The chart's first and last day: as asked (the request's from/to), else the extent of
    the data; None when there is neither."""
    if data.first_day and data.last_day:
        if data.first_day > data.last_day:
            raise ValueError("the chart's first day is after its last day")
        return data.first_day, data.last_day
    days = _all_days(data) + [day for day in (data.first_day, data.last_day) if day]
    if not days:
        return None
    first, last = data.first_day or min(days), data.last_day or max(days)
    if last - first >= 2 * MIN_HALF_SPAN:
        return first, last
    # Less than a month: widen it, never past the end that was asked for.
    if data.first_day:
        return first, first + 2 * MIN_HALF_SPAN
    if data.last_day:
        return last - 2 * MIN_HALF_SPAN, last
    middle = first + timedelta(days=(last - first).days // 2)
    return middle - MIN_HALF_SPAN, middle + MIN_HALF_SPAN


def _within(data: PatientChartData, first: date, last: date) -> PatientChartData:
    """Only what falls in the window; bars and runs that overlap it are kept (and clipped
    when drawn)."""
    return replace(
        data,
        esr=tuple(p for p in data.esr if first <= p.day <= last),
        crp=tuple(p for p in data.crp if first <= p.day <= last),
        infusions=tuple(i for i in data.infusions if first <= i.day <= last),
        regimens=tuple(
            r for r in data.regimens if r.start <= last and (r.end is None or r.end >= first)
        ),
        remission_runs=tuple(r for r in data.remission_runs if r.start <= last and r.end >= first),
    )


def _is_empty(data: PatientChartData) -> bool:
    return not (data.esr or data.crp or data.infusions or data.regimens or data.remission_runs)


def _describe(data: PatientChartData, first: date, last: date) -> str:
    out_of_range = sum(i.dose_check == "out_of_range" for i in data.infusions)
    unchecked = sum(i.dose_check == "unknown" for i in data.infusions)
    drugs = ", ".join(lanes.drugs_in_order(data.regimens, data.infusions)) or "none"
    return (
        f"From {first.isoformat()} to {last.isoformat()}: {len(data.esr)} ESR results (mm/h), "
        f"{len(data.crp)} CRP results (mg/L), {len(data.infusions)} infusions "
        f"({out_of_range} with the dose out of range, {unchecked} not checked), "
        f"{len(data.remission_runs)} remission runs. Treatments: {drugs}."
    )


def _entries(data: PatientChartData) -> list[legend.Entry]:
    """Labs on the first row, treatments on the second; an entry for what is drawn (the three
    infusion markers together, so a missing triangle reads as "none out of range")."""
    entries = [
        legend.Entry("esr", "ESR (mm/h)", legend.series("esr", style.ESR_COLOUR)),
        legend.Entry("crp", "CRP (mg/L)", legend.series("crp", style.CRP_COLOUR)),
    ]
    if data.esr_upper_limit is not None or data.crp_upper_limit is not None:
        entries.append(legend.Entry("upper-limit", "Upper limit of normal", legend.dashed))
    entries.append(legend.Entry("remission", "Remission", legend.remission))
    treatments = []
    if data.regimens:
        treatments.append(legend.Entry("regimen", "Regimen", legend.regimen))
    if any(len(r.doses) > 1 for r in data.regimens):
        treatments.append(legend.Entry("dose-change", "Dose change", legend.dose_change))
    if data.infusions:
        treatments += [
            legend.Entry(f"infusion-{kind}", f"Infusion, {name}", legend.infusion(kind))
            for kind, name in style.INFUSION_NAMES.items()
        ]
    return entries + [replace(e, new_row=i == 0) for i, e in enumerate(treatments)]


@dataclass(frozen=True)
class Layout:
    legend_top: float
    esr_top: float
    crp_top: float
    rows_top: float
    axis_y: float

    @property
    def height(self) -> float:
        return self.axis_y + 40


def _panel_height(points: Sequence[LabPoint]) -> float:
    return PANEL_HEIGHT if points else EMPTY_PANEL_HEIGHT


def _layout(data: PatientChartData, entries: Sequence[legend.Entry], drug_count: int) -> Layout:
    legend_top = 46.0
    esr_top = legend_top + legend.height(entries, WIDTH - 32) + 12 + HEADING
    crp_top = esr_top + _panel_height(data.esr) + HEADING + 8
    rows_top = crp_top + _panel_height(data.crp) + HEADING + 8
    rows_height = drug_count * lanes.ROW_HEIGHT + 6 if drug_count else EMPTY_ROWS_HEIGHT
    return Layout(legend_top, esr_top, crp_top, rows_top, rows_top + rows_height)


def _heading(root: ET.Element, y: float, content: str, key: str) -> None:
    attrs = {"class": f"axis-label {key}", "font-size": 13, "font-weight": "bold"}
    style.text(root, LEFT, y - HEADING / 2, content, attrs)


def _note(root: ET.Element, x: float, y: float, content: str) -> None:
    attrs = {"class": "no-data", "fill": style.MUTED, "font-size": 13}
    style.text(root, x, y, content, {**attrs, "font-style": "italic"})


def _shade_runs(
    root: ET.Element, runs: Sequence[DateSpan], scale: DateScale, top: float, bottom: float
) -> None:
    group = add(root, "g", {"class": "remission-runs"})
    for run in runs:
        x0 = scale(max(run.start, scale.first))
        x1 = max(scale(min(run.end, scale.last)), x0 + 2)
        attrs = {"class": "remission-run", "data-start": run.start.isoformat()}
        box = {"x": x0, "y": top, "width": x1 - x0, "height": bottom - top}
        fill = {"fill": style.REMISSION_FILL, "fill-opacity": style.REMISSION_OPACITY}
        rect = add(group, "rect", {**attrs, "data-end": run.end.isoformat(), **box, **fill})
        tooltip(rect, f"Remission from {run.start.isoformat()} to {run.end.isoformat()}")


def _upper_limit(root: ET.Element, panel: Panel, limit: float, y: float, scale: DateScale) -> None:
    attrs = {"class": f"upper-limit {panel.key}", "data-value": num(limit)}
    group = add(root, "g", attrs)
    line = {"x1": scale.start - INSET, "x2": scale.end + INSET, "y1": y, "y2": y}
    add(group, "line", {**line, "stroke": style.MUTED, "stroke-dasharray": "5 3"})
    label = {"font-size": 11, "fill": style.MUTED}
    style.text(group, scale.end + INSET + 6, y, f"ULN {num(limit)}", label)
    tooltip(group, f"Upper limit of normal, {panel.name}: {num(limit)} {panel.unit}")


def _series(
    root: ET.Element, panel: Panel, points: Sequence[LabPoint], x: DateScale, y: Linear
) -> None:
    ordered = sorted(points, key=lambda p: p.day)
    group = add(root, "g", {"class": f"series {panel.key}", "data-count": len(ordered)})
    path = " L".join(f"{num(x(p.day))},{num(y(p.value))}" for p in ordered)
    line = {"class": "series-line", "d": f"M{path}", "fill": "none", "stroke": panel.colour}
    add(group, "path", {**line, "stroke-width": 1.5, "stroke-linejoin": "round"})
    for point in ordered:
        attrs = {"class": f"point {panel.key}", "data-date": point.day.isoformat()}
        marker = add(group, "g", {**attrs, "data-value": exact(point.value)})
        style.lab_marker(marker, panel.key, x(point.day), y(point.value), {})
        tooltip(marker, f"{panel.name} {num(point.value)} {panel.unit} on {point.day.isoformat()}")


def _panel(
    root: ET.Element,
    panel: Panel,
    points: Sequence[LabPoint],
    limit: float | None,
    x: DateScale,
    top: float,
) -> None:
    """One lab on its own value axis, from 0 to a round value above the highest point."""
    bottom = top + _panel_height(points)
    _heading(root, top, f"{panel.name} ({panel.unit})", panel.key)
    axis = {"x1": LEFT, "x2": LEFT, "y1": top, "y2": bottom, "stroke": style.AXIS}
    if not points:
        _note(root, LEFT, top + EMPTY_PANEL_HEIGHT / 2 - 6, f"No {panel.name} results")
        return
    highest = max([p.value for p in points] + [limit or 0.0]) * 1.08
    ticks = value_ticks(highest, 4)
    y = Linear(0, float(ticks[-1]), bottom, top)
    value_axis(root, y, ticks, LEFT, WIDTH - RIGHT, panel.key)
    add(root, "line", axis)
    if limit is not None:
        _upper_limit(root, panel, limit, y(limit), x)
    _series(root, panel, points, x, y)


def _empty(title: str, message: str) -> str:
    root = document(WIDTH, 100, title, message)
    style.text(
        root, 16, 30, title, {"class": "chart-title", "font-size": 18, "font-weight": "bold"}
    )
    _note(root, 16, 70, message)
    return serialize(root)


def patient_chart_svg(data: PatientChartData) -> str:
    """The chart as an SVG document (a string). Without anything to draw in the window it is
    a short image with the title and a "no data" note."""
    window = _window(data)
    if window is None:
        return _empty("ESR, CRP and treatment", "No ESR, CRP, treatment or remission records.")
    first, last = window
    title = f"ESR, CRP and treatment, {_month(first)} to {_month(last)}"
    shown = _within(data, first, last)
    if _is_empty(shown):
        return _empty(title, "No ESR, CRP, treatment or remission records in this period.")
    return serialize(_draw(shown, first, last, title))


def _draw(data: PatientChartData, first: date, last: date, title: str) -> ET.Element:
    entries = _entries(data)
    drugs = tuple(lanes.drugs_in_order(data.regimens, data.infusions))
    layout = _layout(data, entries, len(drugs))
    root = document(WIDTH, layout.height, title, _describe(data, first, last))
    style.text(
        root, 16, 24, title, {"class": "chart-title", "font-size": 18, "font-weight": "bold"}
    )
    legend.draw(root, entries, 16, layout.legend_top, WIDTH - 32)
    x = DateScale(first, last, LEFT + INSET, WIDTH - RIGHT - INSET)
    _shade_runs(root, data.remission_runs, x, layout.esr_top, layout.axis_y)
    ticks = date_ticks(first, last, x.end - x.start, 12)
    date_gridlines(root, x, ticks, layout.esr_top, layout.axis_y)
    _panel(root, ESR, data.esr, data.esr_upper_limit, x, layout.esr_top)
    _panel(root, CRP, data.crp, data.crp_upper_limit, x, layout.crp_top)
    _treatments(root, data, lanes.Rows(drugs, layout.rows_top, x))
    date_axis(root, x, ticks, layout.axis_y)
    return root


def _treatments(root: ET.Element, data: PatientChartData, rows: lanes.Rows) -> None:
    _heading(root, rows.top, "Treatments", "treatments")
    if not rows.drugs:
        _note(root, LEFT, rows.top + 10, "No treatments")
        return
    lanes.draw_rows(root, rows, LEFT, WIDTH - RIGHT)
    lanes.draw_regimens(root, rows, data.regimens)
    lanes.draw_infusions(root, rows, data.infusions)
