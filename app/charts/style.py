"""Colours, fonts and marker shapes shared by the charts and their legends.

Colours are from the Okabe-Ito palette (distinguishable with the common colour-vision
deficiencies), and every kind also differs by shape, so a greyscale print still reads.
"""

import xml.etree.ElementTree as ET

from app.charts.svg import Attrs, add, num

TEXT = "#1f2933"
MUTED = "#52606d"
GRID = "#e4e7eb"
AXIS = "#7b8794"
ESR_COLOUR = "#0072B2"
CRP_COLOUR = "#D55E00"
REMISSION_FILL = "#009E73"
REMISSION_OPACITY = "0.14"
BAR_FILLS = ("#c5d5e6", "#9fb8d3")  # consecutive doses alternate, so a change shows
BAR_STROKE = "#4a6785"
DOSE_TICK = "#102a43"
INFUSION_COLOURS = {"ok": "#009E73", "out_of_range": "#C1121F", "unknown": "#616e7c"}
INFUSION_NAMES = {
    "ok": "dose ok",
    "out_of_range": "dose out of range",
    "unknown": "dose not checked",
}
KM_COLOUR = "#0072B2"


def lab_marker(parent: ET.Element, key: str, x: float, y: float, attrs: Attrs) -> None:
    """ESR: a blue circle; CRP: an orange square."""
    if key == "esr":
        add(parent, "circle", {**attrs, "cx": x, "cy": y, "r": 3.4, "fill": ESR_COLOUR})
    else:
        s = 6.0
        add(
            parent,
            "rect",
            {**attrs, "x": x - s / 2, "y": y - s / 2, "width": s, "height": s, "fill": CRP_COLOUR},
        )


def _polygon(points: list[tuple[float, float]]) -> str:
    return "M" + " L".join(f"{num(x)},{num(y)}" for x, y in points) + " Z"


def _shape(kind: str, x: float, y: float) -> str:
    if kind == "out_of_range":  # a triangle, larger: the one that needs attention
        return _polygon([(x, y - 6.5), (x + 6.5, y + 5), (x - 6.5, y + 5)])
    return _polygon([(x, y - 5), (x + 5, y), (x, y + 5), (x - 5, y)])  # unknown: a diamond


def infusion_marker(parent: ET.Element, kind: str, x: float, y: float, attrs: Attrs) -> ET.Element:
    """ok: a filled green circle; out_of_range: a red triangle; unknown: a hollow grey
    diamond."""
    colour = INFUSION_COLOURS[kind]
    if kind == "ok":
        return add(
            parent,
            "circle",
            {
                **attrs,
                "cx": x,
                "cy": y,
                "r": 3.6,
                "fill": colour,
                "stroke": "#fff",
                "stroke-width": 0.8,
            },
        )
    fill = colour if kind == "out_of_range" else "#fff"
    return add(
        parent,
        "path",
        {**attrs, "d": _shape(kind, x, y), "fill": fill, "stroke": colour, "stroke-width": 1.6},
    )


def censor_mark(parent: ET.Element, x: float, y: float, attrs: Attrs) -> ET.Element:
    """A "+" on the curve where a patient left follow-up without the event (its vertical arm
    shows on a flat stretch, its horizontal one on a drop)."""
    d = f"M{num(x - 5)},{num(y)} H{num(x + 5)} M{num(x)},{num(y - 5)} V{num(y + 5)}"
    return add(parent, "path", {**attrs, "d": d, "stroke": KM_COLOUR, "stroke-width": 1.6})


def text(
    parent: ET.Element,
    x: float,
    y: float,
    content: str,
    attrs: Attrs | None = None,
) -> ET.Element:
    """Text with the baseline centred on y unless told otherwise."""
    base: Attrs = {"x": x, "y": y, "fill": TEXT, "dominant-baseline": "middle"}
    return add(parent, "text", {**base, **(attrs or {})}, content)
