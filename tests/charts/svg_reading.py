"""Reading the charts back: parse the SVG with xml.etree and find elements by class."""

import xml.etree.ElementTree as ET
from datetime import date

NS = "{http://www.w3.org/2000/svg}"


def parse(markup: str) -> ET.Element:
    return ET.fromstring(markup)


def classes(element: ET.Element) -> set[str]:
    return set(element.get("class", "").split())


def find(root: ET.Element, *tokens: str) -> list[ET.Element]:
    """Every element, in document order, whose class has all the tokens."""
    wanted = set(tokens)
    return [element for element in root.iter() if wanted <= classes(element)]


def one(root: ET.Element, *tokens: str) -> ET.Element:
    found = find(root, *tokens)
    assert len(found) == 1, f"{tokens}: {len(found)} elements"
    return found[0]


def title_of(element: ET.Element) -> str:
    title = element.find(f"{NS}title")
    assert title is not None
    assert title.text is not None
    return title.text


def all_text(root: ET.Element) -> str:
    """Every text node and attribute value: what a reader of the file could see."""
    parts = [value for element in root.iter() for value in element.attrib.values()]
    parts += [element.text or "" for element in root.iter()]
    return " ".join(parts)


def x_of_date(root: ET.Element) -> "Interpolation":
    """Pixel position of a date, interpolated between the first and last labelled x tick."""
    ticks = find(root, "x-tick")
    first, last = ticks[0], ticks[-1]
    return Interpolation(
        date.fromisoformat(first.get("data-date", "")).toordinal(),
        float(first.get("x", "")),
        date.fromisoformat(last.get("data-date", "")).toordinal(),
        float(last.get("x", "")),
    )


def y_of_value(root: ET.Element, key: str) -> "Interpolation":
    """Pixel height of a value on one panel's own axis, from its lowest and highest tick."""
    ticks = find(one(root, "y-axis", key), "y-tick")
    low, high = ticks[0], ticks[-1]
    return Interpolation(
        float(low.get("data-value", "")),
        float(low.get("y", "")),
        float(high.get("data-value", "")),
        float(high.get("y", "")),
    )


class Interpolation:
    def __init__(self, v0: float, p0: float, v1: float, p1: float) -> None:
        self.v0, self.p0, self.v1, self.p1 = v0, p0, v1, p1

    def __call__(self, value: float | date) -> float:
        v = value.toordinal() if isinstance(value, date) else value
        return self.p0 + (v - self.v0) * (self.p1 - self.p0) / (self.v1 - self.v0)
