"""Database rows -> the rules' frozen inputs (the only place the two meet)."""

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from app import catalog, rules
from app.models import Patient
from app.repositories import clinical
from app.repositories.scope import Scope


@cache
def drug_facts(code: str) -> rules.DrugFacts:
    drug = catalog.drugs()[code]
    return rules.DrugFacts(
        code=drug.code,
        drug_class=drug.drug_class,
        mechanism=drug.mechanism,
        prednisone_factor=drug.prednisone_factor,
        max_mg_per_infusion=drug.max_mg_per_infusion,
    )


@cache
def _factor(test: str, unit: str) -> float | None:
    return catalog.lab_tests()[test].factor(unit)


def regimen(row: Row[Any]) -> rules.Regimen:
    return rules.Regimen(
        id=str(row.id),
        drug=drug_facts(row.drug),
        dose_value=row.dose_value,
        dose_unit=row.dose_unit,
        route=row.route,
        interval_days=row.interval_days,
        start_date=row.start_date,
        end_date=row.end_date,
        discontinuation_reason=row.discontinuation_reason,
    )


def infusion(row: Any) -> rules.Infusion:
    """From a column row or an Infusion entity (both carry these attributes)."""
    return rules.Infusion(
        id=str(row.id),
        regimen_id=str(row.regimen_id),
        administered_at=row.administered_at,
        dose_mg=row.dose_mg,
        weight_kg=row.weight_kg,
        status=row.status,
    )


# The two converters below run once per row on the status path (a thousand rows for a long
# history): they unpack the row positionally, which is several times cheaper than by name.
def lab_result(row: Sequence[Any], seq: int) -> rules.LabResult:
    record_id, test, collected_at, value, canonical_unit, text, unit, high = row
    if high is not None and unit is not None:
        # The lab's range travels in the unit it was sent in; the rules compare canonically.
        factor = _factor(test, unit)
        high = None if factor is None else high * factor
    return rules.LabResult(record_id, test, collected_at, value, canonical_unit, text, high, seq)


def assessment(row: Sequence[Any], seq: int) -> rules.Assessment:
    record_id, at, tender, swollen, doppler, patient_global, evaluator_global, weight = row
    return rules.Assessment(
        record_id, at, tender, swollen, doppler, patient_global, evaluator_global, weight, seq
    )


def assessments(rows: Sequence[Row[Any]]) -> tuple[rules.Assessment, ...]:
    return tuple(assessment(r, seq) for seq, r in enumerate(rows))


# What the status reads: the remission and activity tests over the whole history (a run
# of remission can be years long), the safety tests only in their recent window.
HISTORY_TESTS = ("esr", "crp", "anti_dsdna")
SAFETY_TESTS = ("neutrophils", "platelets", "alt", "ast")
# Timestamps are compared in UTC; a day either side covers any clinical time zone.
MARGIN = timedelta(days=1)


async def load(
    session: AsyncSession,
    scope: Scope,
    patient: Patient,
    as_of: date,
    settings: rules.RuleSettings,
) -> rules.PatientRecords:
    """The live records the status rules read as of `as_of`: three column-only queries,
    nothing re-queried per evaluation date, nothing collected after `as_of`."""
    patient_id: uuid.UUID = patient.id
    until = datetime.combine(as_of, time.max, UTC) + MARGIN
    recent = until - timedelta(days=settings.safety_window_days) - 2 * MARGIN
    labs = await clinical.lab_results(
        session,
        scope,
        patient_id,
        tests=HISTORY_TESTS,
        recent_tests=SAFETY_TESTS,
        since=recent,
        until=until,
    )
    return rules.PatientRecords(
        patient=rules.Patient(sex=patient.sex, birth_date=patient.birth_date),
        regimens=tuple(regimen(r) for r in await clinical.regimens(session, scope, patient_id)),
        lab_results=tuple(lab_result(r, seq) for seq, r in enumerate(labs)),
        assessments=assessments(
            await clinical.assessments(session, scope, patient_id, until=until)
        ),
    )
