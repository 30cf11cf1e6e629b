"""A small SVG writer on xml.etree: elements with escaped text and attributes, numbers
written with at most two decimals so the same data always gives the same markup."""

import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping

SVG_NAMESPACE = "http://www.w3.org/2000/svg"
FONT_FAMILY = "'DejaVu Sans', 'Segoe UI', Roboto, Helvetica, Arial, sans-serif"
# Advance widths of DejaVu Sans (em shares), one of the widest common sans-serif faces, to
# estimate how wide a label is without a renderer; other faces come out narrower, never wider.
_NARROW = dict.fromkeys("ijl.,:;'|!", 0.28) | dict.fromkeys("ft()[]/- ", 0.36) | {"r": 0.41}
_WIDE = dict.fromkeys("mwMW", 0.9) | dict.fromkeys("ABCDGHKNOQRUVXY&%", 0.75)
_GLYPH_WIDTHS = _NARROW | _WIDE
_DEFAULT_WIDTH = 0.62

# Attribute values: numbers are written with num(), None leaves the attribute out, anything
# else is written as its str().
Attrs = Mapping[str, object]
# XML 1.0 refuses these characters even escaped; a label must never make the document invalid.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def num(value: float) -> str:
    """A coordinate or value with at most two decimals and no trailing zeros."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def exact(value: float) -> str:
    """A data value as it was given (shortest round-trip form), without a trailing ".0"."""
    text = repr(float(value))
    return text.removesuffix(".0")


def clean(text: str) -> str:
    return _NOT_XML.sub("", text)


def _attribute(value: object) -> str:
    if isinstance(value, float):
        return num(value)
    return clean(str(value))


def add(parent: ET.Element, tag: str, attributes: Attrs, text: str | None = None) -> ET.Element:
    """A child element; attributes whose value is None are left out."""
    element = ET.SubElement(
        parent, tag, {k: _attribute(v) for k, v in attributes.items() if v is not None}
    )
    if text is not None:
        element.text = clean(text)
    return element


def tooltip(element: ET.Element, text: str) -> None:
    """An SVG <title> child: shown on hover and read by screen readers."""
    add(element, "title", {}, text)


def text_width(text: str, size: float) -> float:
    """An estimate of the rendered width, in pixels, of `text` at font size `size`."""
    return size * sum(_GLYPH_WIDTHS.get(char, _DEFAULT_WIDTH) for char in text)


def document(width: float, height: float, title: str, description: str) -> ET.Element:
    """The root <svg>: an image with an accessible name (aria-label and <title>) and a
    <desc> that states in words what the chart shows."""
    root = ET.Element(
        "svg",
        {
            "xmlns": SVG_NAMESPACE,
            "width": num(width),
            "height": num(height),
            "viewBox": f"0 0 {num(width)} {num(height)}",
            "role": "img",
            "aria-label": clean(title),
            "font-family": FONT_FAMILY,
            "font-size": "12",
        },
    )
    add(root, "title", {}, title)
    add(root, "desc", {}, description)
    add(root, "rect", {"class": "background", "width": width, "height": height, "fill": "#fff"})
    return root


def serialize(root: ET.Element) -> str:
    return ET.tostring(root, encoding="unicode")
