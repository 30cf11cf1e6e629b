"""Listings of one patient's records (regimens, infusions, lab results, assessments)."""

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Assessment, Infusion, LabResult, Regimen
from app.repositories.base import M, keyset_page, visible
from app.schemas.common import PageRequest

# The order a clinician reads each listing in (oldest first), with the id as tie breaker.
SORT_KEYS: dict[type[Any], Any] = {
    Regimen: Regimen.start_date,
    Infusion: Infusion.administered_at,
    LabResult: LabResult.collected_at,
    Assessment: Assessment.assessed_at,
}


async def page_for_patient(
    session: AsyncSession,
    model: type[M],
    patient_id: uuid.UUID,
    page: PageRequest,
    *filters: ColumnElement[bool],
) -> tuple[Sequence[M], str | None]:
    table: Any = model
    stmt = select(model).where(
        table.patient_id == patient_id, visible(table, page.include_in_error), *filters
    )
    return await keyset_page(
        session, stmt, sort=SORT_KEYS[model], key=table.id, cursor=page.cursor, limit=page.limit
    )


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
    session: AsyncSession, regimen_id: uuid.UUID
) -> tuple[datetime | None, datetime | None]:
    """Earliest and latest live infusion of a regimen (to keep a regimen's dates around them)."""
    stmt = select(func.min(Infusion.administered_at), func.max(Infusion.administered_at)).where(
        Infusion.regimen_id == regimen_id, Infusion.entered_in_error.is_(False)
    )
    row = (await session.execute(stmt)).one()
    return row[0], row[1]
