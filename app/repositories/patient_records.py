"""Listings of one patient's records (regimens, infusions, lab results, assessments)."""

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Infusion, LabResult, Regimen
from app.repositories.base import M, keyset_page, visible
from app.repositories.scope import Scope
from app.schemas.common import PageRequest


async def page_for_patient(
    session: AsyncSession,
    scope: Scope,
    model: type[M],
    patient_id: uuid.UUID,
    page: PageRequest,
    *filters: ColumnElement[bool],
    sort: Any,
) -> tuple[Sequence[M], str | None]:
    """One page of a patient's records, ordered by `sort` then id."""
    table: Any = model
    stmt = select(model).where(
        table.patient_id == patient_id,
        visible(table, page.include_in_error),
        *scope.where(model),
        *filters,
    )
    return await keyset_page(
        session, stmt, sort=sort, key=table.id, cursor=page.cursor, limit=page.limit
    )


async def by_external_id(
    session: AsyncSession, scope: Scope, model: type[M], patient_id: uuid.UUID, external_id: str
) -> M | None:
    table: Any = model
    stmt = select(model).where(
        table.patient_id == patient_id, table.external_id == external_id, *scope.where(model)
    )
    return await session.scalar(stmt)


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
