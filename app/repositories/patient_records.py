"""Listings of one patient's records (regimens, infusions, lab results, assessments)."""

import uuid
from collections.abc import Collection, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from app.models import Assessment, DoseChange, Infusion, LabResult, Regimen
from app.repositories.base import M, insert_rows, keyset_page, visible
from app.repositories.scope import Scope
from app.schemas.common import PageRequest


async def page_for_patient(
    connection: AsyncConnection,
    scope: Scope,
    model: type[M],
    patient_id: uuid.UUID,
    page: PageRequest,
    *filters: ColumnElement[bool],
    sort: Any,
) -> tuple[Sequence[Any], str | None]:
    """One page of a patient's records, ordered by `sort` then id: plain rows of the record's
    columns (a listing only reads them: no ORM entities)."""
    table: Any = model
    stmt = select(model.__table__).where(
        table.patient_id == patient_id,
        visible(table, page.include_in_error),
        *scope.where(model),
        *filters,
    )
    return await keyset_page(
        connection, stmt, sort=sort, key=table.id, cursor=page.cursor, limit=page.limit
    )


async def by_external_id(
    session: AsyncSession, scope: Scope, model: type[M], patient_id: uuid.UUID, external_id: str
) -> M | None:
    table: Any = model
    """The record with this sender's id; the live one first where records entered in error
    may share it (regimens, assessments: a partial unique index)."""
    stmt = select(model).where(
        table.patient_id == patient_id, table.external_id == external_id, *scope.where(model)
    )
    return await session.scalar(stmt.order_by(table.entered_in_error).limit(1))


async def by_external_ids(
    session: AsyncSession,
    scope: Scope,
    model: type[M],
    wanted: Collection[tuple[uuid.UUID, str]],
) -> dict[tuple[uuid.UUID, str], M]:
    """by_external_id for many (patient id, external id) pairs in one query (a batch's)."""
    table: Any = model
    if not wanted:
        return {}
    stmt = select(model).where(
        table.patient_id.in_({patient for patient, _ in wanted}),
        table.external_id.in_({external for _, external in wanted}),
        *scope.where(model),
    )
    found: dict[tuple[uuid.UUID, str], M] = {}
    rows: Sequence[Any] = (await session.scalars(stmt.order_by(table.entered_in_error))).all()
    for row in rows:
        key = (row.patient_id, row.external_id)
        if key in wanted:
            found.setdefault(key, row)  # the live one first, as by_external_id
    return found


async def existing_ids(
    session: AsyncSession, model: type[M], record_ids: Collection[uuid.UUID]
) -> set[uuid.UUID]:
    """Which of these ids a record of `model` has, in any organization (an id is taken
    whoever sees it)."""
    if not record_ids:
        return set()
    table: Any = model
    found = await session.scalars(select(table.id).where(table.id.in_(record_ids)))
    return set(found.all())


async def insert_many(
    session: AsyncSession, model: type[M], rows: Sequence[dict[str, Any]]
) -> None:
    """New records in one executemany INSERT (no ORM objects: a batch's rows are written,
    never read back). The caller has checked their unique values under the patients' locks."""
    if rows:
        await insert_rows(session, model.__table__, rows)


def lab_filters(
    test: str | None, start: datetime | None, end: datetime | None
) -> list[ColumnElement[bool]]:
    filters: list[ColumnElement[bool]] = []
    if test is not None:
        filters.append(LabResult.test == test)
    if start is not None:
        filters.append(LabResult.collected_at >= start)
    if end is not None:
        filters.append(LabResult.collected_at <= end)
    return filters


async def infusion_window(
    session: AsyncSession, scope: Scope, regimen_id: uuid.UUID
) -> tuple[datetime | None, datetime | None]:
    """Earliest and latest live infusion of a regimen (to keep a regimen's dates around them)."""
    stmt = select(func.min(Infusion.administered_at), func.max(Infusion.administered_at)).where(
        Infusion.regimen_id == regimen_id,
        Infusion.entered_in_error.is_(False),
        *scope.where(Infusion),
    )
    row = (await session.execute(stmt)).one()
    return row[0], row[1]


def dose_change_filters(regimen_id: uuid.UUID) -> list[ColumnElement[bool]]:
    return [DoseChange.regimen_id == regimen_id]


async def dose_change_on(
    session: AsyncSession, scope: Scope, regimen_id: uuid.UUID, effective_date: date
) -> DoseChange | None:
    """The live dose change of a regimen effective on a date, if any."""
    stmt = select(DoseChange).where(
        DoseChange.regimen_id == regimen_id,
        DoseChange.effective_date == effective_date,
        DoseChange.entered_in_error.is_(False),
        *scope.where(DoseChange),
    )
    return await session.scalar(stmt)


async def has_dose_consequences(session: AsyncSession, scope: Scope, regimen_id: uuid.UUID) -> bool:
    """Whether a regimen has live infusions or dose changes (its starting dose is then fixed)."""
    found = []
    for model in (Infusion, DoseChange):
        stmt = select(model.id).where(
            model.regimen_id == regimen_id,
            model.entered_in_error.is_(False),
            *scope.where(model),
        )
        found.append(await session.scalar(stmt.limit(1)))
    return any(f is not None for f in found)


def assessment_filters(start: datetime | None, end: datetime | None) -> list[ColumnElement[bool]]:
    """Assessments made from `start` (inclusive) to `end` (exclusive)."""
    filters: list[ColumnElement[bool]] = []
    if start is not None:
        filters.append(Assessment.assessed_at >= start)
    if end is not None:
        filters.append(Assessment.assessed_at < end)
    return filters


async def in_period(
    session: AsyncSession,
    scope: Scope,
    model: type[M],
    patient_id: uuid.UUID,
    *,
    sort: Any,
    start: Any = None,
    end: Any = None,
) -> Sequence[M]:
    """A patient's live records of one type whose `sort` value lies in [start, end] (an
    open bound when None), ordered by it then id."""
    table: Any = model
    where = [table.patient_id == patient_id, table.entered_in_error.is_(False)]
    where += [sort >= start] if start is not None else []
    where += [sort <= end] if end is not None else []
    stmt = select(model).where(*where, *scope.where(model)).order_by(sort, table.id)
    return (await session.scalars(stmt)).all()


async def regimens_overlapping(
    session: AsyncSession,
    scope: Scope,
    patient_id: uuid.UUID,
    first: date | None,
    last: date | None,
) -> Sequence[Regimen]:
    """A patient's live regimens taken on at least one day of [first, last] (None: open)."""
    where: list[ColumnElement[bool]] = [
        Regimen.patient_id == patient_id,
        Regimen.entered_in_error.is_(False),
    ]
    if last is not None:
        where.append(Regimen.start_date <= last)
    if first is not None:
        where.append(or_(Regimen.end_date.is_(None), Regimen.end_date >= first))
    stmt = select(Regimen).where(*where, *scope.where(Regimen))
    return (await session.scalars(stmt.order_by(Regimen.start_date, Regimen.id))).all()


async def ids_of_patient(
    session: AsyncSession,
    scope: Scope,
    patient_id: uuid.UUID,
    ids: set[uuid.UUID],
    models: Sequence[type[Any]],
) -> set[uuid.UUID]:
    """Which of `ids` name records of this patient (of the given types), in one statement."""
    if not ids:
        return set()
    parts = [
        select(model.id).where(
            model.patient_id == patient_id, model.id.in_(ids), *scope.where(model)
        )
        for model in models
    ]
    return set((await session.scalars(union_all(*parts))).all())
