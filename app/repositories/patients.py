import uuid
from collections.abc import Sequence

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Patient
from app.repositories.base import keyset_page, visible
from app.schemas.common import PageRequest


async def get_by_mrn(session: AsyncSession, mrn: str) -> Patient | None:
    return await session.scalar(select(Patient).where(Patient.mrn == mrn))


async def page(
    session: AsyncSession,
    request: PageRequest,
    *filters: ColumnElement[bool],
    by_id: bool = False,
) -> tuple[Sequence[Patient], str | None]:
    """Oldest registration first; `by_id` orders by id instead, which lets a cohort page
    walk the (flag, status, patient_id) index and the primary key together and stop after
    one page (a merge join) instead of sorting every patient with that flag."""
    stmt = select(Patient).where(visible(Patient, request.include_in_error), *filters)
    return await keyset_page(
        session,
        stmt,
        sort=Patient.id if by_id else Patient.created_at,
        key=Patient.id,
        cursor=request.cursor,
        limit=request.limit,
    )


def mrn_filter(mrn: str | None) -> list[ColumnElement[bool]]:
    return [] if mrn is None else [Patient.mrn == mrn]


async def lock(session: AsyncSession, patient_id: uuid.UUID) -> None:
    """Serialise writers of one patient until commit (PostgreSQL row lock; SQLite's
    BEGIN IMMEDIATE already admits one writer at a time and renders no FOR UPDATE)."""
    await session.execute(select(Patient.id).where(Patient.id == patient_id).with_for_update())
