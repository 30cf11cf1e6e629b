"""Charts for people: the patient chart and the case-series Kaplan-Meier curve, as SVG.

A small SVG writer on the standard library instead of a plotting library such as matplotlib:
the service image carries no numpy or matplotlib (a worker stays under 150 MB of RSS), the
same data always gives the same markup, and every element carries a class or data attribute
that a test can find with xml.etree. The SVG needs no JavaScript or external resource, is an
image with an accessible name (`role="img"`, `aria-label`, `<title>`, `<desc>`), and its
inputs hold no patient identifier. Pure: standard library only, no import from the rest of
the app; the service maps its records onto the dataclasses in `app.charts.model`.
"""

from app.charts.km import km_chart_svg
from app.charts.model import (
    DateSpan,
    DoseCheckStatus,
    DoseStep,
    InfusionMark,
    KmChartData,
    KmStep,
    LabPoint,
    PatientChartData,
    RegimenBar,
)
from app.charts.patient import patient_chart_svg

__all__ = [
    "DateSpan",
    "DoseCheckStatus",
    "DoseStep",
    "InfusionMark",
    "KmChartData",
    "KmStep",
    "LabPoint",
    "PatientChartData",
    "RegimenBar",
    "km_chart_svg",
    "patient_chart_svg",
]
