"""The patient chart at its edges: sparse, empty, windowed, crowded, hostile labels."""

import dataclasses
import itertools
import re
from datetime import date, timedelta

import pytest

from app.charts import (
    DoseStep,
    InfusionMark,
    LabPoint,
    PatientChartData,
    RegimenBar,
    patient_chart_svg,
)

from .builders import RUNS, course
from .svg_reading import NS, find, one, parse, title_of, x_of_date

NOT_A_NUMBER = re.compile(r"\b(nan|inf)\b", re.IGNORECASE)


def test_a_patient_with_one_lab_renders_cleanly() -> None:
    data = PatientChartData(esr=(LabPoint(date(2023, 3, 14), 42.0),))
    markup = patient_chart_svg(data)
    root = parse(markup)

    assert len(find(root, "point", "esr")) == 1
    assert find(root, "series", "crp") == []
    assert [note.text for note in find(root, "no-data")] == ["No CRP results", "No treatments"]
    assert find(root, "remission-run") == find(root, "regimen") == find(root, "marker") == []
    assert not NOT_A_NUMBER.search(markup)
    ticks = find(root, "x-tick")
    assert ticks[0].get("data-date", "") < "2023-03-14" < ticks[-1].get("data-date", "")


def test_a_lone_value_of_zero_still_gets_an_axis() -> None:
    root = parse(patient_chart_svg(PatientChartData(crp=(LabPoint(date(2023, 3, 14), 0.0),))))

    values = [float(t.get("data-value", "")) for t in find(one(root, "y-axis", "crp"), "y-tick")]
    assert values[0] == 0
    assert values[-1] > 0


def test_an_empty_patient_gets_a_note_and_no_data() -> None:
    markup = patient_chart_svg(PatientChartData())
    root = parse(markup)

    assert [note.text for note in find(root, "no-data")] == [
        "No ESR, CRP, treatment or remission records."
    ]
    assert root.get("role") == "img"
    assert title_of(root) == "ESR, CRP and treatment"
    assert find(root, "series") == find(root, "legend") == []


def test_a_window_without_records_says_so() -> None:
    data = dataclasses.replace(course(), first_day=date(2010, 1, 1), last_day=date(2010, 12, 31))
    root = parse(patient_chart_svg(data))

    assert title_of(root) == "ESR, CRP and treatment, Jan 2010 to Dec 2010"
    assert [note.text for note in find(root, "no-data")] == [
        "No ESR, CRP, treatment or remission records in this period."
    ]


def test_the_window_keeps_only_what_falls_in_it() -> None:
    first, last = date(2018, 3, 1), date(2018, 12, 31)
    data = dataclasses.replace(course(), first_day=first, last_day=last)
    root = parse(patient_chart_svg(data))
    x = x_of_date(root)

    drawn = [p.get("data-date", "") for p in find(root, "point", "esr")]
    assert drawn == [p.day.isoformat() for p in data.esr if first <= p.day <= last]
    infusions = find(root, "marker", "infusion")
    assert len(infusions) == sum(first <= i.day <= last for i in data.infusions)
    shaded = find(root, "remission-run")
    # Both runs overlap the window: they keep their own dates and are cut at its edges.
    assert [s.get("data-start") for s in shaded] == [run.start.isoformat() for run in RUNS]
    assert float(shaded[0].get("x", "")) == pytest.approx(x(first), abs=0.5)
    assert float(shaded[1].get("x", "")) + float(shaded[1].get("width", "")) == pytest.approx(
        x(last), abs=0.5
    )
    assert one(root, "regimen").get("data-drug") == "tocilizumab"
    assert len(find(root, "continues")) == 2  # started before the window, goes on after it


@pytest.mark.parametrize(
    ("first_day", "last_day", "first_tick", "last_tick"),
    [
        (date(2023, 3, 10), None, "2023-03-10", "2023-04-07"),  # widened forward from "from"
        (None, date(2023, 3, 20), "2023-02-18", "2023-03-18"),  # back from "to"
        (date(2023, 3, 14), date(2023, 3, 14), "2023-03-14", "2023-03-14"),  # one day, as asked
    ],
)
def test_a_short_window_widens_only_on_the_end_not_asked_for(
    first_day: date | None, last_day: date | None, first_tick: str, last_tick: str
) -> None:
    data = PatientChartData(esr=(LabPoint(date(2023, 3, 14), 42.0),))
    root = parse(
        patient_chart_svg(dataclasses.replace(data, first_day=first_day, last_day=last_day))
    )

    ticks = [t.get("data-date") for t in find(root, "x-tick")]
    assert (ticks[0], ticks[-1]) == (first_tick, last_tick)
    assert len(find(root, "point", "esr")) == 1


def test_a_first_day_after_the_last_is_refused() -> None:
    data = PatientChartData(first_day=date(2020, 1, 2), last_day=date(2020, 1, 1))

    with pytest.raises(ValueError, match="first day is after its last day"):
        patient_chart_svg(data)


def test_a_dose_that_does_not_fit_its_segment_goes_above_without_overlapping() -> None:
    start = date(2014, 1, 6)
    doses = tuple(
        DoseStep(start + timedelta(days=120 * i), f"{4 + i} mg/kg", "every 28 days")
        for i in range(6)
    )
    regimen = RegimenBar("tocilizumab", start, date(2023, 12, 31), doses)
    root = parse(patient_chart_svg(PatientChartData(regimens=(regimen,))))

    above = find(root, "dose-label", "above")
    assert [label.text for label in above] == ["4 mg/kg", "6 mg/kg", "8 mg/kg"]
    lefts = [float(label.get("x", "")) for label in above]
    assert all(b - a > 7 * 11 * 0.62 for a, b in itertools.pairwise(lefts))
    assert [t.get("data-date") for t in find(root, "dose-change")] == [
        d.start.isoformat() for d in doses[1:]
    ]
    inside = [label for label in find(root, "dose-label") if label not in above]
    assert [label.text for label in inside] == ["9 mg/kg every 28 days"]


def test_infusions_of_a_drug_without_a_regimen_get_their_own_row() -> None:
    infusion = InfusionMark(date(2019, 5, 6), "rituximab", "ok", "1000 mg")
    data = dataclasses.replace(course(), infusions=(*course().infusions, infusion))
    root = parse(patient_chart_svg(data))

    assert [r.text for r in find(root, "row-label")] == ["methotrexate", "tocilizumab", "rituximab"]
    marker = [m for m in find(root, "marker") if m.get("data-drug") == "rituximab"]
    assert title_of(marker[0]) == "rituximab infusion 2019-05-06: 1000 mg (dose ok)"


def test_labels_are_escaped_and_stripped_of_characters_xml_refuses() -> None:
    hostile = 'a<b>&"c\x00\x1f'
    regimen = RegimenBar(
        hostile, date(2020, 1, 1), date(2020, 6, 1), (DoseStep(date(2020, 1, 1), hostile),)
    )
    root = parse(patient_chart_svg(PatientChartData(regimens=(regimen,))))

    assert one(root, "row-label").text == 'a<b>&"c'
    assert one(root, "regimen").get("data-drug") == 'a<b>&"c'


def test_the_same_data_gives_the_same_markup() -> None:
    assert patient_chart_svg(course()) == patient_chart_svg(course())


def test_a_second_row_of_the_legend_starts_with_the_treatments() -> None:
    root = parse(patient_chart_svg(course()))

    items = find(root, "legend-item")
    rows = {
        item.get("data-key"): float(item.iter(f"{NS}text").__next__().get("y", ""))
        for item in items
    }
    assert rows["esr"] == rows["remission"] < rows["regimen"] == rows["infusion-unknown"]
