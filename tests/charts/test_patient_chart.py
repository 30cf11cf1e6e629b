import dataclasses
import re
from collections import Counter
from datetime import date

import pytest

from app.charts import model as chart_model
from app.charts import patient_chart_svg

from .builders import OUT_OF_RANGE_DAYS, RUNS, course
from .svg_reading import NS, all_text, find, one, parse, title_of, x_of_date, y_of_value


def test_each_lab_is_a_series_with_one_point_per_result() -> None:
    data = course()
    root = parse(patient_chart_svg(data))

    for key, points in (("esr", data.esr), ("crp", data.crp)):
        series = one(root, "series", key)
        drawn = find(series, "point", key)
        assert series.get("data-count") == str(len(points))
        assert [(p.get("data-date"), float(p.get("data-value", ""))) for p in drawn] == [
            (point.day.isoformat(), point.value) for point in points
        ]


def test_each_lab_is_drawn_on_its_own_axis_with_its_unit() -> None:
    data = course()
    root = parse(patient_chart_svg(data))
    x = x_of_date(root)

    for key, unit, points in (("esr", "mm/h", data.esr), ("crp", "mg/L", data.crp)):
        assert one(root, "axis-label", key).text == f"{key.upper()} ({unit})"
        y = y_of_value(root, key)
        for point, marker in zip(points, find(one(root, "series", key), "point"), strict=True):
            shape = marker[0]  # then its <title>
            cx = float(shape.get("cx") or float(shape.get("x", "")) + 3)
            cy = float(shape.get("cy") or float(shape.get("y", "")) + 3)
            assert cx == pytest.approx(x(point.day), abs=0.5)
            assert cy == pytest.approx(y(point.value), abs=0.5)
    ticks = [float(t.get("data-value", "")) for t in find(one(root, "y-axis", "esr"), "y-tick")]
    assert ticks[0] == 0
    assert ticks[-1] >= max(p.value for p in data.esr)


def test_infusion_markers_are_counted_by_dose_check() -> None:
    data = course()
    root = parse(patient_chart_svg(data))

    drawn = Counter(
        kind
        for marker in find(root, "marker", "infusion")
        for kind in ("ok", "out_of_range", "unknown")
        if kind in marker.get("class", "").split()
    )
    assert drawn == Counter(i.dose_check for i in data.infusions)
    assert drawn == {"ok": 27, "out_of_range": 2, "unknown": 1}
    out_of_range = find(root, "marker", "infusion", "out_of_range")
    assert {m.get("data-date") for m in out_of_range} == {d.isoformat() for d in OUT_OF_RANGE_DAYS}
    assert [m.tag for m in out_of_range] == [f"{NS}path"] * 2  # a triangle, not a circle
    assert "dose out of range" in title_of(out_of_range[0])


def test_out_of_range_markers_are_drawn_last_so_nothing_hides_them() -> None:
    root = parse(patient_chart_svg(course()))

    kinds = [m.get("class", "").split()[-1] for m in find(root, "marker", "infusion")]
    assert kinds[-2:] == ["out_of_range", "out_of_range"]


def test_shaded_spans_equal_the_remission_runs() -> None:
    root = parse(patient_chart_svg(course()))
    x = x_of_date(root)

    shaded = find(root, "remission-run")
    assert [(s.get("data-start"), s.get("data-end")) for s in shaded] == [
        (run.start.isoformat(), run.end.isoformat()) for run in RUNS
    ]
    for span, run in zip(shaded, RUNS, strict=True):
        left, width = float(span.get("x", "")), float(span.get("width", ""))
        assert left == pytest.approx(x(run.start), abs=0.5)
        assert left + width == pytest.approx(x(run.end), abs=0.5)


def test_regimens_are_bars_with_the_drug_and_dose_changes() -> None:
    root = parse(patient_chart_svg(course()))

    bars = find(root, "regimen")
    assert [(b.get("data-drug"), b.get("data-start"), b.get("data-end")) for b in bars] == [
        ("methotrexate", "2016-07-01", "2017-02-28"),
        ("tocilizumab", "2017-03-06", "ongoing"),
    ]
    assert [r.text for r in find(root, "row-label")] == ["methotrexate", "tocilizumab"]
    tocilizumab = bars[1]
    assert [s.get("data-label") for s in find(tocilizumab, "dose-segment")] == [
        "4 mg/kg every 28 days",
        "8 mg/kg every 28 days",
    ]
    assert [t.get("data-date") for t in find(tocilizumab, "dose-change")] == ["2017-09-04"]
    assert [label.text for label in find(tocilizumab, "dose-label")] == [
        "4 mg/kg every 28 days",
        "8 mg/kg every 28 days",
    ]
    assert len(find(tocilizumab, "continues")) == 1  # ongoing: an arrow past the last day


def test_legend_has_an_entry_for_each_kind_drawn() -> None:
    root = parse(patient_chart_svg(course()))

    assert [item.get("data-key") for item in find(root, "legend-item")] == [
        "esr",
        "crp",
        "upper-limit",
        "remission",
        "regimen",
        "dose-change",
        "infusion-ok",
        "infusion-out_of_range",
        "infusion-unknown",
    ]
    legend_bottom = max(float(t.get("y", "")) for t in one(root, "legend").iter(f"{NS}text"))
    first_data = min(float(s.get("y", "")) for s in find(root, "remission-run"))
    assert legend_bottom < first_data  # the legend is above the data, never over it


def test_upper_limit_is_a_dashed_line_on_its_own_panel() -> None:
    root = parse(patient_chart_svg(course()))

    limit = one(root, "upper-limit", "crp")
    line = limit.find(f"{NS}line")
    assert line is not None
    assert float(line.get("y1", "")) == pytest.approx(y_of_value(root, "crp")(5.0), abs=0.5)
    assert find(root, "upper-limit", "esr") == []


IDENTIFIER_FIELDS = re.compile(r"name|mrn|patient|birth|sex|identifier|_id$|^id$")


def _fields(cls: type) -> set[str]:
    return {f.name for f in dataclasses.fields(cls)}


def test_no_input_can_carry_a_patient_identifier() -> None:
    classes = [c for c in vars(chart_model).values() if dataclasses.is_dataclass(c)]
    names = set().union(*(_fields(c) for c in classes if isinstance(c, type)))

    assert len(classes) == 8
    assert not {name for name in names if IDENTIFIER_FIELDS.search(name)}


def test_no_identifier_or_script_in_the_markup() -> None:
    markup = patient_chart_svg(course())
    text = all_text(parse(markup))

    assert not re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-", text)  # no record or patient uuid
    assert "<script" not in markup
    assert "href" not in markup  # nothing fetched, nothing linked


def test_it_is_an_accessible_image() -> None:
    root = parse(patient_chart_svg(course()))

    assert root.tag == f"{NS}svg"
    assert root.get("role") == "img"
    assert (
        root.get("aria-label") == title_of(root) == "ESR, CRP and treatment, Jul 2016 to Jun 2019"
    )
    description = root.find(f"{NS}desc")
    assert description is not None
    assert description.text == (
        "From 2016-07-01 to 2019-06-30: 15 ESR results (mm/h), 10 CRP results (mg/L), "
        "30 infusions (2 with the dose out of range, 1 not checked), 2 remission runs. "
        "Treatments: methotrexate, tocilizumab."
    )


MONTHS_2016 = ["Jul 2016", "Aug 2016", "Sep 2016", "Oct 2016", "Nov 2016", "Dec 2016"]


@pytest.mark.parametrize(
    ("last_day", "labels"),
    [
        (date(2026, 6, 30), [str(year) for year in range(2017, 2027)]),
        (
            date(2019, 6, 30),
            ["Jul 2016", "Jan 2017", "Jul 2017", "Jan 2018", "Jul 2018", "Jan 2019"],
        ),
        (date(2016, 12, 31), MONTHS_2016),
        (
            date(2016, 8, 15),
            [
                "1 Jul 2016",
                "8 Jul 2016",
                "15 Jul 2016",
                "22 Jul 2016",
                "29 Jul 2016",
                "5 Aug 2016",
                "12 Aug 2016",
            ],
        ),
        (
            date(2016, 7, 6),
            ["1 Jul 2016", "2 Jul 2016", "3 Jul 2016", "4 Jul 2016", "5 Jul 2016", "6 Jul 2016"],
        ),
    ],
)
def test_date_ticks_are_years_months_or_days_by_span(last_day: date, labels: list[str]) -> None:
    data = dataclasses.replace(course(), first_day=date(2016, 7, 1), last_day=last_day)

    assert [t.text for t in find(parse(patient_chart_svg(data)), "x-tick")] == labels
