"""The chart input of a small realistic course, for the tests."""

from datetime import date, timedelta

from app.charts import (
    DateSpan,
    DoseCheckStatus,
    DoseStep,
    InfusionMark,
    LabPoint,
    PatientChartData,
    RegimenBar,
)

TOCILIZUMAB = date(2017, 3, 6)
ESCALATION = date(2017, 9, 4)
INFUSION_DAYS = [TOCILIZUMAB + timedelta(days=28 * i) for i in range(30)]
OUT_OF_RANGE_DAYS = {INFUSION_DAYS[2], INFUSION_DAYS[12]}
UNCHECKED_DAY = INFUSION_DAYS[7]
RUNS = (DateSpan(date(2018, 1, 8), date(2018, 8, 6)), DateSpan(date(2018, 11, 5), date(2019, 6, 3)))


def _check(day: date) -> DoseCheckStatus:
    if day in OUT_OF_RANGE_DAYS:
        return "out_of_range"
    return "unknown" if day == UNCHECKED_DAY else "ok"


def _infusions() -> tuple[InfusionMark, ...]:
    return tuple(InfusionMark(day, "tocilizumab", _check(day)) for day in INFUSION_DAYS)


def course() -> PatientChartData:
    """Two and a half years: methotrexate, then tocilizumab 4 -> 8 mg/kg, two remission runs."""
    esr = tuple(
        LabPoint(date(2016, 7, 1) + timedelta(days=61 * i), 60.0 - 3 * i) for i in range(15)
    )
    crp = tuple(
        LabPoint(date(2016, 7, 15) + timedelta(days=91 * i), 30.0 / (i + 1)) for i in range(10)
    )
    methotrexate = RegimenBar(
        "methotrexate",
        date(2016, 7, 1),
        date(2017, 2, 28),
        (DoseStep(date(2016, 7, 1), "15 mg", "weekly"),),
    )
    tocilizumab = RegimenBar(
        "tocilizumab",
        TOCILIZUMAB,
        None,
        (
            DoseStep(TOCILIZUMAB, "4 mg/kg", "every 28 days"),
            DoseStep(ESCALATION, "8 mg/kg", "every 28 days"),
        ),
    )
    return PatientChartData(
        esr=esr,
        crp=crp,
        infusions=_infusions(),
        regimens=(methotrexate, tocilizumab),
        remission_runs=RUNS,
        last_day=date(2019, 6, 30),
        crp_upper_limit=5.0,
    )
