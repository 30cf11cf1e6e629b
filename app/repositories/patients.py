import functools
import uuid
from collections.abc import Collection, Sequence

from sqlalchemy import ColumnElement, Select, String, bindparam, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Patient
from app.repositories import base
from app.repositories.base import keyset_page, visible
from app.repositories.scope import Scope
from app.schemas.common import PageRequest


async def by_mrn(
    session: AsyncSession, scope: Scope, mrn: str, *, organization: str | None = None
) -> Sequence[Patient]:
    """Patients with this mrn that `scope` sees (in one `organization` if given): at most two,
    enough to tell one match from several."""
    stmt = select(Patient).where(Patient.mrn == mrn, *scope.where(Patient))
    if organization is not None:
        stmt = stmt.where(Patient.organization == organization)
    return (await session.scalars(stmt.order_by(Patient.organization).limit(2))).all()


async def by_mrns(session: AsyncSession, scope: Scope, mrns: Collection[str]) -> Sequence[Patient]:
    """The patients with any of these mrns that `scope` sees (a batch's lookups at once)."""
    if not mrns:
        return []
    stmt = select(Patient).where(Patient.mrn.in_(set(mrns)), *scope.where(Patient))
    return (await session.scalars(stmt.order_by(Patient.organization))).all()


async def by_ids(
    session: AsyncSession, scope: Scope, patient_ids: Collection[uuid.UUID]
) -> Sequence[Patient]:
    return await base.get_many(session, scope, Patient, patient_ids)


async def page(
    session: AsyncSession,
    scope: Scope,
    request: PageRequest,
    *filters: ColumnElement[bool],
    by_id: bool = False,
) -> tuple[Sequence[Patient], str | None]:
    """Oldest registration first; `by_id` orders by id instead, which lets a cohort page
    walk the (flag, status, patient_id) index and the primary key together and stop after
    one page (a merge join) instead of sorting every patient with that flag."""
    stmt = select(Patient).where(
        visible(Patient, request.include_in_error), *scope.where(Patient), *filters
    )
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


async def lock_many(
    session: AsyncSession,
    scope: Scope,
    patient_ids: Collection[uuid.UUID],
    *,
    wait_ms: int,
) -> Sequence[Patient]:
    """`lock` for many patients in one statement, in id order (as the unit of work's commit
    takes them: no two writers wait on each other crosswise): the live patients `scope` sees
    (those new records may be about), as committed once their locks are held."""
    bounded, params = _waiting_at_most(session, wait_ms)
    stmt = (
        select(Patient)
        .where(
            Patient.id.in_(sorted(patient_ids)),
            Patient.entered_in_error.is_(False),
            *scope.where(Patient),
            *bounded,
        )
        .order_by(Patient.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return (await session.scalars(stmt, params)).all()


_LOCK = (
    select(Patient)
    .where(Patient.id == bindparam("patient_id"))
    .with_for_update()
    .execution_options(populate_existing=True)
)
# PostgreSQL: the statement first sets its transaction's lock_timeout (an InitPlan, run
# before any row is locked), so that its lock waits end within the time the caller has left.
_LOCK_WAIT = (
    select(func.set_config("lock_timeout", bindparam("lock_wait", type_=String), true()))
    .scalar_subquery()
    .is_not(None)
)


async def lock(
    session: AsyncSession, scope: Scope, patient_id: uuid.UUID, *, wait_ms: int
) -> Patient | None:
    """Serialise writers of one patient until commit (PostgreSQL row lock; SQLite's
    BEGIN IMMEDIATE already admits one writer at a time and renders no FOR UPDATE), and
    load it in the same statement: the row as committed once the lock is held (PostgreSQL
    re-reads a row it waited for), which the write's checks and its commit read next.
    None when `scope` does not see the patient then (one moved to another organization
    meanwhile is not found).

    `wait_ms`: how long the statement may wait for its locks in all (PostgreSQL; SQLite's
    writer waited for its turn already); later lock waits of the transaction get the same
    bound each."""
    bounded, params = _waiting_at_most(session, wait_ms)
    found: Patient | None = await session.scalar(
        _lock(scope, bool(bounded)), {"patient_id": patient_id, **params}
    )
    return found


# Built once per scope (like base._by_id): building the statement and keying it for the
# compiled cache cost more than the rest of the call, on every write.
@functools.lru_cache(maxsize=256)
def _lock(scope: Scope, bounded: bool) -> Select[Patient]:
    return _LOCK.where(*scope.where(Patient), *([_LOCK_WAIT] if bounded else []))


def _waiting_at_most(
    session: AsyncSession, wait_ms: int
) -> tuple[list[ColumnElement[bool]], dict[str, str]]:
    """The condition that bounds a lock statement's waits, and its parameter: lock_timeout
    half of `wait_ms`, since PostgreSQL may wait twice for one row (for the tuple lock,
    behind other waiters; then for the holder's transaction), each wait bounded by it."""
    if session.get_bind().dialect.name != "postgresql":
        return [], {}
    return [_LOCK_WAIT], {"lock_wait": str(max(1, wait_ms // 2))}


async def mrns_like(session: AsyncSession, prefix: str) -> tuple[int, set[tuple[str, str]]]:
    """Every patient counted (whatever its organization: the demo refuses to mix with real
    patients anywhere), and (organization, mrn) of those whose mrn starts with `prefix`."""
    total = await session.scalar(select(func.count()).select_from(Patient))
    stmt = select(Patient.organization, Patient.mrn).where(Patient.mrn.startswith(prefix))
    found = {(organization, mrn) for organization, mrn in (await session.execute(stmt)).all()}
    return int(total or 0), found
