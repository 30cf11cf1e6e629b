"""The patient chart: the timeline's records mapped onto `app.charts.model` (no identifier
crosses over: the model has no field for one), remission runs from the status history."""

import uuid
from collections.abc import Sequence
from datetime import date

from app import charts, rules
from app.rules.dates import age_in_years
from app.rules.remission_criteria import esr_age_sex_limit
from app.schemas.timeline import InfusionEvent, LabResultEvent, RegimenSpan
from app.services import summaries, timeline
from app.services.uow import UnitOfWork

CANONICAL = {"esr": "mm/h", "crp": "mg/L"}


def remission_runs(changes: Sequence[rules.FlagChange], as_of: date) -> list[charts.DateSpan]:
    """Runs of remission `met`: from a change to met until the next change away from it,
    or `as_of` when none follows."""
    runs, since = [], None
    for change in changes:
        if change.flag != "remission":
            continue
        if change.to_status is rules.Status.MET:
            since = since or change.effective_date
        elif since is not None:
            runs.append(charts.DateSpan(since, change.effective_date))
            since = None
    if since is not None:
        runs.append(charts.DateSpan(since, as_of))
    return runs


def _labs(items: Sequence[object], test: str) -> tuple[charts.LabPoint, ...]:
    return tuple(
        charts.LabPoint(item.date, item.record.canonical_value)
        for item in items
        if isinstance(item, LabResultEvent)
        and item.record.test == test
        and item.record.canonical_value is not None
        and item.record.canonical_unit == CANONICAL[test]
    )


def _infusion(item: InfusionEvent, drugs: dict[uuid.UUID, str]) -> charts.InfusionMark:
    record = item.record
    expected = record.dose_check.expected_mg
    detail = f"{record.dose_mg:g} mg" + (f", expected {expected:g} mg" if expected else "")
    return charts.InfusionMark(
        item.date, drugs.get(record.regimen_id, "infusion"), record.dose_check.status, detail
    )


def _bar(span: RegimenSpan) -> charts.RegimenBar:
    steps = tuple(
        charts.DoseStep(
            step.effective_date,
            f"{step.dose.value:g} {step.dose.unit}",
            summaries.schedule(step.interval_days),
        )
        for step in span.doses
    )
    return charts.RegimenBar(span.record.drug, span.start, span.end, steps)


async def chart_data(
    uow: UnitOfWork, patient_id: uuid.UUID, period: timeline.Period
) -> charts.PatientChartData:
    course = await timeline.collect(uow, patient_id, period, "chart")
    items = [entry.item for entry in course.entries]
    spans = [item for item in items if isinstance(item, RegimenSpan)]
    drugs = {span.record_id: span.record.drug for span in spans}
    patient = course.patient
    esr_limit = None
    if patient.birth_date is not None:
        age = age_in_years(patient.birth_date, course.as_of)
        esr_limit = float(esr_age_sex_limit(patient, age))
    return charts.PatientChartData(
        esr=_labs(items, "esr"),
        crp=_labs(items, "crp"),
        infusions=tuple(_infusion(i, drugs) for i in items if isinstance(i, InfusionEvent)),
        regimens=tuple(_bar(span) for span in spans),
        remission_runs=tuple(remission_runs(course.changes, course.as_of)),
        first_day=period.first,
        last_day=period.last or course.as_of,  # an ongoing course is drawn up to today
        esr_upper_limit=esr_limit,
        crp_upper_limit=float(uow.settings.rules.crp_upper_default_mg_per_l),
    )


async def chart_svg(uow: UnitOfWork, patient_id: uuid.UUID, period: timeline.Period) -> str:
    return charts.patient_chart_svg(await chart_data(uow, patient_id, period))
