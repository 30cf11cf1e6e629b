"""Database rows -> the rules' frozen inputs (the only place the two meet).

Numbers reach the rules as they were sent: a lab value and its reference limit travel in
the unit of the result and are converted together by `rules.to_canonical` (exact decimal
factors), so a value at its own limit stays exactly at it. Windows are clinical-time-zone
days at both ends (`rules.window_bounds`), in the queries as in the rules.
"""

import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from functools import cache
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncConnection

from app import catalog, rules
from app.repositories import clinical
from app.repositories.clinical import PatientIds
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
    if unit == catalog.TITER_UNIT:
        return 1  # a titer is read against its own range, never converted
    return catalog.lab_tests()[test].factor(unit)


def dose_change(row: Any) -> rules.DoseChange:
    return rules.DoseChange(
        id=str(row.id),
        effective_date=row.effective_date,
        dose_value=row.dose_value,
        dose_unit=row.dose_unit,
        interval_days=row.interval_days,
    )


DoseChanges = dict[str, tuple[rules.DoseChange, ...]]


def by_regimen(rows: Iterable[Any]) -> DoseChanges:
    """Dose changes grouped by the id (text) of their regimen."""
    grouped: dict[str, list[rules.DoseChange]] = defaultdict(list)
    for row in rows:
        grouped[str(row.regimen_id)].append(dose_change(row))
    return {key: tuple(changes) for key, changes in grouped.items()}


def regimen(row: Any, changes: DoseChanges | None = None) -> rules.Regimen:
    """From a column row or a Regimen entity, with its dose changes (from `by_regimen`)."""
    record_id = str(row.id)
    return rules.Regimen(
        id=record_id,
        drug=drug_facts(row.drug),
        dose_value=row.dose_value,
        dose_unit=row.dose_unit,
        route=row.route,
        interval_days=row.interval_days,
        start_date=row.start_date,
        end_date=row.end_date,
        discontinuation_reason=row.discontinuation_reason,
        dose_changes=(changes or {}).get(record_id, ()),
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


def _canonical(number: float | None, factor: float | None) -> Decimal | float | None:
    if number is None or factor is None:
        return None
    # In the canonical unit already: the rules read the float as the decimal sent.
    return number if factor == 1 else rules.to_canonical(number, factor)


# The two converters below run once per row on the status path (a thousand rows for a long
# history): they unpack the row positionally (its patient key first, see clinical.by_patient),
# which is several times cheaper than by name, and look the unit's factor up once for the
# value and its limit.
def lab_result(row: Sequence[Any], seq: int) -> rules.LabResult:
    _, record_id, test, collected_at, value, unit, canonical_unit, text, high, comparator = row
    factor = None if unit is None else _factor(test, unit)
    return rules.LabResult(
        record_id,
        test,
        collected_at,
        _canonical(value, factor),
        canonical_unit,
        text,
        _canonical(high, factor),
        seq,
        False,
        comparator,
    )


def assessment(row: Sequence[Any], seq: int) -> rules.Assessment:
    _, record_id, at, tender, swollen, doppler, patient_global, evaluator_global, weight, height = (
        row
    )
    return rules.Assessment(
        record_id,
        at,
        tender,
        swollen,
        doppler,
        patient_global,
        evaluator_global,
        weight,
        seq,
        height_cm=height,
    )


def assessments(rows: Sequence[Any]) -> tuple[rules.Assessment, ...]:
    return tuple(assessment(r, seq) for seq, r in enumerate(rows))


class PatientFacts(Protocol):
    """What the rules' inputs take of a patient: a Patient entity, or its row as a read
    loads it (records.read_target)."""

    @property
    def id(self) -> uuid.UUID: ...

    @property
    def sex(self) -> str: ...

    @property
    def birth_date(self) -> date | None: ...


# What the status reads: the remission and activity tests over the whole history (a run
# of remission can be years long), the safety tests only in their recent window.
HISTORY_TESTS = ("esr", "crp", "anti_dsdna")
SAFETY_TESTS = ("neutrophils", "platelets", "alt", "ast")


async def load(
    connection: AsyncConnection,
    scope: Scope,
    patient: PatientFacts,
    as_of: date,
    settings: rules.RuleSettings,
) -> rules.PatientRecords:
    """The live records the status rules read as of `as_of` (`load_many` of one)."""
    return (await load_many(connection, scope, [patient], as_of, settings))[patient.id]


async def load_many(
    connection: AsyncConnection,
    scope: Scope,
    patients: Sequence[PatientFacts],
    as_of: date,
    settings: rules.RuleSettings,
) -> dict[uuid.UUID, rules.PatientRecords]:
    """The live records the status rules read as of `as_of`, of each patient: one
    column-only query per table for all of them, nothing re-queried per evaluation date,
    nothing collected after `as_of` (clinical days)."""
    if not patients:
        return {}
    ids = _ids(patients)
    zone = settings.clinical_timezone
    first_safety_day = as_of - timedelta(days=settings.safety_window_days)
    since, before = rules.window_bounds(first_safety_day, as_of, zone)
    labs = await clinical.lab_results(
        connection,
        scope,
        ids,
        tests=HISTORY_TESTS,
        recent_tests=SAFETY_TESTS,
        since=since,
        before=before,
    )
    # Regimen ids are unique across patients: one lookup serves them all.
    changes = by_regimen(await clinical.dose_changes(connection, scope, ids))
    regimens = _by_patient(patients, await clinical.regimens(connection, scope, ids))
    visits = await clinical.assessments(connection, scope, ids, before=before)
    return {
        p.id: replace(record, regimens=tuple(regimen(r, changes) for r in regimens.get(p.id, ())))
        for p, record in _records(patients, labs, visits)
    }


async def load_remission(
    connection: AsyncConnection,
    scope: Scope,
    patients: Sequence[PatientFacts],
    first_day: date,
    as_of: date,
    settings: rules.RuleSettings,
) -> dict[uuid.UUID, rules.PatientRecords]:
    """What remission reads, dated from `first_day` to `as_of` (clinical days), of each
    patient: its tests' results and the visits, one query each (a resumed sweep, see
    `rules.resumed_changes`)."""
    ids = _ids(patients)
    since, before = rules.window_bounds(first_day, as_of, settings.clinical_timezone)
    labs = await clinical.lab_results(
        connection, scope, ids, tests=(), recent_tests=HISTORY_TESTS, since=since, before=before
    )
    visits = await clinical.assessments(connection, scope, ids, since=since, before=before)
    return {p.id: record for p, record in _records(patients, labs, visits)}


def _ids(patients: Sequence[PatientFacts]) -> PatientIds:
    return patients[0].id if len(patients) == 1 else [p.id for p in patients]


def _records(
    patients: Sequence[PatientFacts], labs: Sequence[Any], visits: Sequence[Any]
) -> Iterator[tuple[PatientFacts, rules.PatientRecords]]:
    """Each patient's lab results and visits, from the rows of one read of each."""
    labs_of, visits_of = _by_patient(patients, labs), _by_patient(patients, visits)
    for p in patients:
        yield (
            p,
            rules.PatientRecords(
                patient=rules.Patient(sex=p.sex, birth_date=p.birth_date),
                lab_results=tuple(
                    lab_result(r, seq) for seq, r in enumerate(labs_of.get(p.id, ()))
                ),
                assessments=assessments(visits_of.get(p.id, ())),
            ),
        )


def _by_patient(
    patients: Sequence[PatientFacts], rows: Sequence[Any]
) -> Mapping[uuid.UUID, Sequence[Any]]:
    """A read's rows by patient (all of them the one patient's when there is one)."""
    if len(patients) == 1:
        return {patients[0].id: rows}
    return clinical.by_patient(rows)
