"""Column-only reads of the live records of one patient, or of many at once (an import
batch's: one query per table), for the rules (no ORM hydration: the status of a 20-year
history reads ~1,700 rows per request)."""

import uuid
from collections.abc import Callable, Collection, Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, and_, bindparam, or_, select, type_coerce
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.types import NullType

from app.models import Assessment, DoseChange, Infusion, LabResult, Regimen
from app.models.base import IdText
from app.repositories import driver
from app.repositories.base import of_patients, patient_values
from app.repositories.scope import Scope, one_of


def _text(column: Any) -> Any:
    return type_coerce(column, IdText()).label(column.key)


REGIMEN_COLUMNS: tuple[Any, ...] = (
    _text(Regimen.id),
    Regimen.drug,
    Regimen.dose_value,
    Regimen.dose_unit,
    Regimen.route,
    Regimen.interval_days,
    Regimen.start_date,
    Regimen.end_date,
    Regimen.discontinuation_reason,
)
INFUSION_COLUMNS: tuple[Any, ...] = (
    _text(Infusion.id),
    _text(Infusion.regimen_id),
    Infusion.administered_at,
    Infusion.dose_mg,
    Infusion.weight_kg,
    Infusion.status,
)
DOSE_CHANGE_COLUMNS: tuple[Any, ...] = (
    _text(DoseChange.id),
    _text(DoseChange.regimen_id),
    DoseChange.effective_date,
    DoseChange.dose_value,
    DoseChange.dose_unit,
    DoseChange.interval_days,
)
# Unpacked positionally by clinical_inputs.lab_result (after the patient key): keep the
# order. The value and the reference limit are read as sent, with their unit: the rules
# convert both exactly.
LAB_COLUMNS: tuple[Any, ...] = (
    _text(LabResult.id),
    LabResult.test,
    LabResult.collected_at,
    LabResult.value,
    LabResult.unit,
    LabResult.canonical_unit,
    LabResult.value_text,
    LabResult.reference_high,
    LabResult.comparator,
)
# Column order = the field order of rules.Assessment (the converter unpacks positionally,
# after the patient key).
ASSESSMENT_COLUMNS: tuple[Any, ...] = (
    _text(Assessment.id),
    Assessment.assessed_at,
    Assessment.tender_joints_28,
    Assessment.swollen_joints_28,
    Assessment.power_doppler,
    Assessment.patient_global,
    Assessment.evaluator_global,
    Assessment.weight_kg,
    Assessment.height_cm,
)


# One patient, or many (`patient_id IN (...)`): the same reads serve both.
PatientIds = uuid.UUID | Collection[uuid.UUID]
# Statements are built once per shape and scope (building one costs more than running it on
# a small history), with the values bound at execution.
STATEMENTS = 256


def _patient_key(model: Any) -> Any:
    # The driver's own value (a UUID on PostgreSQL, hex text on SQLite), nothing built per row:
    # `by_patient` turns each distinct one into a uuid.UUID.
    return type_coerce(model.patient_id, NullType()).label("patient_key")


def _select(
    model: Any, columns: tuple[Any, ...], scope: Scope, many: bool, *where: Any
) -> Select[Any]:
    """Each row starts with its `patient_key` (see `by_patient`), then `columns`."""
    # Ordered by insertion: a record's position is its `recorded_seq` (later recorded wins).
    return (
        select(_patient_key(model), *columns)
        .where(
            of_patients(model.patient_id, many),
            model.entered_in_error.is_(False),
            *scope.where(model),
            *where,
        )
        .order_by(model.created_at, model.id)
    )


async def _rows(
    connection: AsyncConnection,
    statement: Callable[..., Select[Any]],
    scope: Scope,
    patient_ids: PatientIds,
    *shape: Any,
    **values: Any,
) -> Sequence[Row[Any]]:
    """Run `statement(scope, many, *shape)` for the patient(s), with `values` bound."""
    many, ids = patient_values([patient_ids] if isinstance(patient_ids, uuid.UUID) else patient_ids)
    stmt = statement(scope, many, *shape)
    # Core execution: these are plain rows, no ORM entities (a reader's: on the driver).
    rows: Sequence[Row[Any]] = await driver.rows(connection, stmt, {**values, **ids})
    return rows


def by_patient(rows: Sequence[Row[Any]]) -> dict[uuid.UUID, list[Row[Any]]]:
    """The rows of a read about many patients, by patient, each patient's in read order."""
    grouped: dict[Any, list[Row[Any]]] = {}
    for row in rows:
        grouped.setdefault(row[0], []).append(row)
    return {uuid.UUID(str(key)): group for key, group in grouped.items()}


@lru_cache(STATEMENTS)
def _regimens(scope: Scope, many: bool) -> Select[Any]:
    return _select(Regimen, REGIMEN_COLUMNS, scope, many)


async def regimens(
    connection: AsyncConnection, scope: Scope, patient_ids: PatientIds
) -> Sequence[Row[Any]]:
    return await _rows(connection, _regimens, scope, patient_ids)


@lru_cache(STATEMENTS)
def _infusions(scope: Scope, many: bool, of_regimen: bool) -> Select[Any]:
    where = (Infusion.regimen_id == bindparam("regimen_id"),) if of_regimen else ()
    return _select(Infusion, INFUSION_COLUMNS, scope, many, *where)


async def infusions(
    connection: AsyncConnection,
    scope: Scope,
    patient_ids: PatientIds,
    regimen_id: uuid.UUID | None = None,
) -> Sequence[Row[Any]]:
    of_regimen = regimen_id is not None
    return await _rows(
        connection, _infusions, scope, patient_ids, of_regimen, regimen_id=regimen_id
    )


@lru_cache(STATEMENTS)
def _dose_changes(scope: Scope, many: bool, of_regimens: bool) -> Select[Any]:
    where = (
        (DoseChange.regimen_id.in_(bindparam("regimen_ids", expanding=True)),)
        if of_regimens
        else ()
    )
    return _select(DoseChange, DOSE_CHANGE_COLUMNS, scope, many, *where)


async def dose_changes(
    connection: AsyncConnection,
    scope: Scope,
    patient_ids: PatientIds,
    regimen_ids: set[uuid.UUID] | None = None,
) -> Sequence[Row[Any]]:
    """The live dose changes of the patient(s) (of these regimens only, if named)."""
    of_regimens = regimen_ids is not None
    return await _rows(
        connection,
        _dose_changes,
        scope,
        patient_ids,
        of_regimens,
        regimen_ids=sorted(regimen_ids or ()),
    )


@lru_cache(STATEMENTS)
def _lab_results(
    scope: Scope,
    many: bool,
    tests: tuple[str, ...],
    recent_tests: tuple[str, ...],
    since: bool,
    before: bool,
) -> Select[Any]:
    wanted: ColumnElement[bool] = one_of(LabResult.test, tests)
    if recent_tests and since:
        recent = and_(
            one_of(LabResult.test, recent_tests), LabResult.collected_at >= bindparam("since")
        )
        wanted = or_(wanted, recent) if tests else recent
    where = [wanted, LabResult.collected_at < bindparam("before")] if before else [wanted]
    return _select(LabResult, LAB_COLUMNS, scope, many, *where)


async def lab_results(
    connection: AsyncConnection,
    scope: Scope,
    patient_ids: PatientIds,
    *,
    tests: tuple[str, ...],
    recent_tests: tuple[str, ...] = (),
    since: datetime | None = None,
    before: datetime | None = None,
) -> Sequence[Row[Any]]:
    """All results of `tests` (none: `tests=()`), plus `recent_tests` collected from `since`;
    only those collected before `before` (the instants of clinical-day windows,
    `dates.window_bounds`)."""
    shape = (tests, recent_tests, since is not None, before is not None)
    return await _rows(
        connection, _lab_results, scope, patient_ids, *shape, since=since, before=before
    )


@lru_cache(STATEMENTS)
def _assessments(
    scope: Scope, many: bool, body_size_only: bool, since: bool, before: bool
) -> Select[Any]:
    where: list[ColumnElement[bool]] = (
        [or_(Assessment.weight_kg.is_not(None), Assessment.height_cm.is_not(None))]
        if body_size_only
        else []
    )
    if since:
        where.append(Assessment.assessed_at >= bindparam("since"))
    if before:
        where.append(Assessment.assessed_at < bindparam("before"))
    return _select(Assessment, ASSESSMENT_COLUMNS, scope, many, *where)


async def assessments(
    connection: AsyncConnection,
    scope: Scope,
    patient_ids: PatientIds,
    *,
    with_body_size_only: bool = False,
    since: datetime | None = None,
    before: datetime | None = None,
) -> Sequence[Row[Any]]:
    """`with_body_size_only`: the visits that recorded a weight or a height (dose checks);
    only those assessed from `since` and before `before`, when given."""
    shape = (with_body_size_only, since is not None, before is not None)
    return await _rows(
        connection, _assessments, scope, patient_ids, *shape, since=since, before=before
    )


async def regimen_rows(
    connection: AsyncConnection, scope: Scope, regimen_ids: set[uuid.UUID]
) -> Sequence[Row[Any]]:
    """Regimens by id, entered-in-error ones included (an infusion keeps its regimen)."""
    stmt = select(*REGIMEN_COLUMNS).where(Regimen.id.in_(regimen_ids), *scope.where(Regimen))
    rows: Sequence[Row[Any]] = (await connection.execute(stmt)).all()
    return rows
