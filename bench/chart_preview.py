"""Render the charts for a person to look at: a realistic patient (ten years, four regimens,
tocilizumab 4 -> 8 mg/kg), a sparse one, an empty one, and a Kaplan-Meier curve of 30
synthetic patients; SVG files, and PNG screenshots taken with headless Chromium when asked.

    python -m bench.chart_preview --out /tmp/charts --screenshots
"""

import argparse
import random
import shutil
import subprocess
import tempfile
from datetime import date, timedelta
from pathlib import Path

from app.charts import (
    DateSpan,
    DoseCheckStatus,
    DoseStep,
    InfusionMark,
    KmChartData,
    KmStep,
    LabPoint,
    PatientChartData,
    RegimenBar,
    km_chart_svg,
    patient_chart_svg,
)
from app.rules.survival import kaplan_meier

START = date(2014, 1, 10)
AS_OF = date(2023, 12, 20)
TOCILIZUMAB_START = date(2017, 9, 4)
ESCALATION = date(2018, 3, 5)
OUT_OF_RANGE = {7, 31, 52}  # infusion numbers given the wrong dose
UNCHECKED = {19}  # no body weight recorded


def _regimens() -> tuple[RegimenBar, ...]:
    return (
        RegimenBar(
            "methotrexate",
            START,
            date(2016, 2, 1),
            (
                DoseStep(START, "15 mg", "weekly"),
                DoseStep(date(2014, 7, 1), "20 mg", "weekly"),
            ),
        ),
        RegimenBar(
            "prednisone",
            START,
            date(2019, 6, 30),
            (
                DoseStep(START, "10 mg/day"),
                DoseStep(date(2016, 6, 1), "7.5 mg/day"),
                DoseStep(date(2018, 9, 1), "5 mg/day"),
            ),
        ),
        RegimenBar(
            "abatacept",
            date(2016, 3, 1),
            date(2017, 6, 30),
            (DoseStep(date(2016, 3, 1), "750 mg", "every 28 days"),),
        ),
        RegimenBar(
            "tocilizumab",
            TOCILIZUMAB_START,
            None,
            (
                DoseStep(TOCILIZUMAB_START, "4 mg/kg", "every 28 days"),
                DoseStep(ESCALATION, "8 mg/kg", "every 28 days"),
            ),
        ),
    )


def _check(number: int) -> DoseCheckStatus:
    if number in OUT_OF_RANGE:
        return "out_of_range"
    return "unknown" if number in UNCHECKED else "ok"


def _infusions() -> tuple[InfusionMark, ...]:
    marks = [
        InfusionMark(date(2016, 3, 1) + timedelta(days=28 * i), "abatacept", "ok", "750 mg")
        for i in range(16)
    ]
    day, number = TOCILIZUMAB_START, 0
    while day <= AS_OF and number < 62:
        expected = 260 if day < ESCALATION else 520
        given = expected + 120 if number in OUT_OF_RANGE else expected
        detail = f"{given} mg, expected {expected} mg"
        marks.append(InfusionMark(day, "tocilizumab", _check(number), detail))
        day += timedelta(days=28 if number % 9 else 56)  # a few postponed infusions
        number += 1
    return tuple(marks)


def _labs(rng: random.Random) -> tuple[tuple[LabPoint, ...], tuple[LabPoint, ...]]:
    """~120 ESR and CRP pairs: active disease, then normal on tocilizumab with two flares."""
    esr, crp = [], []
    day = START
    while day <= AS_OF:
        active = day < date(2018, 9, 1) or date(2019, 12, 1) <= day < date(2020, 5, 1)
        esr.append(LabPoint(day, round(rng.uniform(38, 75) if active else rng.uniform(4, 16))))
        crp.append(LabPoint(day, round(rng.uniform(12, 48) if active else rng.uniform(0.3, 3), 1)))
        day += timedelta(days=rng.choice((21, 28, 28, 35)))
    return tuple(esr), tuple(crp)


def realistic_patient() -> PatientChartData:
    esr, crp = _labs(random.Random(15))
    return PatientChartData(
        esr=esr,
        crp=crp,
        infusions=_infusions(),
        regimens=_regimens(),
        remission_runs=(
            DateSpan(date(2018, 10, 8), date(2019, 12, 2)),
            DateSpan(date(2020, 6, 15), AS_OF),
        ),
        last_day=AS_OF,
        esr_upper_limit=34.5,
        crp_upper_limit=5.0,
    )


def sparse_patient() -> PatientChartData:
    return PatientChartData(esr=(LabPoint(date(2023, 3, 14), 42.0),))


def km_series(patients: int = 30, seed: int = 30) -> KmChartData:
    """Remission after 30 days plus an exponential wait (mean 200 days) for four in five
    patients, never for the rest; follow-up of 4 months to 4 years censors the others."""
    rng = random.Random(seed)
    durations, observed = [], []
    for _ in range(patients):
        remission = 30 + rng.expovariate(1 / 200) if rng.random() < 0.8 else float("inf")
        follow_up = rng.randint(120, 1460)
        durations.append(int(min(remission, follow_up)))
        observed.append(remission <= follow_up)
    points = kaplan_meier(durations, observed)
    steps = tuple(KmStep(p.day, p.remission_free_probability, p.at_risk) for p in points)
    censored = tuple(d for d, seen in zip(durations, observed, strict=True) if not seen)
    return KmChartData("tocilizumab", steps, censored)


def screenshot(svg: Path, png: Path) -> None:
    """Chromium's own rendering of the file, as a person would see it in a browser."""
    browser = shutil.which("chromium") or "chromium"
    with tempfile.TemporaryDirectory() as profile:
        command = [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            f"--user-data-dir={profile}",
            f"--screenshot={png}",
            "--window-size=1200,900",
            svg.resolve().as_uri(),
        ]
        subprocess.run(command, check=True, capture_output=True, timeout=120)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("/tmp/charts"))
    parser.add_argument("--screenshots", action="store_true")
    arguments = parser.parse_args()
    arguments.out.mkdir(parents=True, exist_ok=True)
    charts = {
        "patient-realistic": patient_chart_svg(realistic_patient()),
        "patient-sparse": patient_chart_svg(sparse_patient()),
        "patient-empty": patient_chart_svg(PatientChartData()),
        "km-30-patients": km_chart_svg(km_series()),
    }
    for name, markup in charts.items():
        svg = arguments.out / f"{name}.svg"
        svg.write_text(markup, encoding="utf-8")
        if arguments.screenshots:
            screenshot(svg, svg.with_suffix(".png"))
        print(svg)


if __name__ == "__main__":
    main()
