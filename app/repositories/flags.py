"""The materialised current flags: upsert per patient, cohort lookups by (flag, status)."""

import uuid
from collections.abc import Collection, Sequence
from datetime import date
from functools import cache
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, func, literal_column, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Patient, PatientFlag
from app.repositories.base import of_patients, patient_values
from app.repositories.scope import Scope

KEY = ("patient_id", "flag")
CHANGING = ("status", "since", "as_of", "rules_version", "rules_digest", "evaluated_at", "history")


@cache
def _upsert(postgres: bool) -> Any:
    """INSERT ... ON CONFLICT (patient_id, flag) DO UPDATE, built once: executed with a list of
    rows (a multi-row VALUES statement would be compiled again at every call). PostgreSQL:
    RETURNING each row's status before the statement, read by a subquery (a statement does
    not see its own changes; NULL for a new row)."""
    stmt = (postgresql if postgres else sqlite).insert(PatientFlag)
    stmt = stmt.on_conflict_do_update(
        index_elements=[PatientFlag.patient_id, PatientFlag.flag],
        set_={
            **{name: stmt.excluded[name] for name in CHANGING},
            "generation": PatientFlag.generation + 1,
        },
    )
    if not postgres:
        return stmt
    # The row being written, by name: SQLAlchemy does not correlate a subquery into RETURNING.
    written: dict[str, Any] = {
        name: literal_column(f"{PatientFlag.__tablename__}.{name}") for name in KEY
    }
    stored = PatientFlag.__table__.alias("stored")
    before = (
        select(stored.c.status)
        .where(*(stored.c[name] == column for name, column in written.items()))
        .scalar_subquery()
    )
    return stmt.returning(PatientFlag.patient_id, PatientFlag.flag, before)


async def upsert(
    session: AsyncSession, rows: Sequence[dict[str, Any]]
) -> dict[uuid.UUID, dict[str, str]]:
    """Insert or replace each (patient_id, flag) row; the statuses stored before, by patient and
    flag (none before a patient's first evaluation). PostgreSQL: one round trip; SQLite (no
    network between the two): a read, then the upsert."""
    connection = await session.connection()
    if connection.dialect.name != "postgresql":
        kept = await stored(session, {row["patient_id"] for row in rows})
        await connection.execute(_upsert(False), list(rows))
        return {
            key: {flag: row.status for flag, row in by_flag.items()}
            for key, by_flag in kept.items()
        }
    found: dict[uuid.UUID, dict[str, str]] = {}
    for patient_id, flag, status in await connection.execute(_upsert(True), list(rows)):
        if status is not None:
            found.setdefault(patient_id, {})[flag] = status
    return found


class StoredFlag(NamedTuple):
    """A stored flag row, as a write that resumes it reads it."""

    status: str
    as_of: date
    rules_digest: str | None
    history: list[Any] | None


@cache
def _stored(many: bool) -> Any:
    """`stored`'s statement, built once: every write reads it (building it cost more than
    running it on one patient)."""
    fields = (getattr(PatientFlag, name) for name in StoredFlag._fields)
    columns = (PatientFlag.patient_id, PatientFlag.flag, *fields)
    return select(*columns).where(of_patients(PatientFlag.patient_id, many))


async def stored(
    session: AsyncSession, patient_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, dict[str, StoredFlag]]:
    """The stored flag rows of these patients, by patient and flag."""
    many, values = patient_values(patient_ids)
    connection = await session.connection()
    found: dict[uuid.UUID, dict[str, StoredFlag]] = {}
    for patient_id, flag, *row in await connection.execute(_stored(many), values):
        found.setdefault(patient_id, {})[flag] = StoredFlag(*row)
    return found


def cohort_filter(flag: str, status: str) -> ColumnElement[bool]:
    """Patients whose stored `flag` has `status` (an index lookup on patient_flag)."""
    matching = select(PatientFlag.patient_id).where(
        PatientFlag.flag == flag, PatientFlag.status == status
    )
    return Patient.id.in_(matching)


async def patient_ids_after(
    session: AsyncSession, scope: Scope, after: uuid.UUID | None, limit: int
) -> Sequence[uuid.UUID]:
    """Live patient ids in id order, for batched re-evaluation."""
    stmt = select(Patient.id).where(Patient.entered_in_error.is_(False), *scope.where(Patient))
    if after is not None:
        stmt = stmt.where(Patient.id > after)
    return (await session.scalars(stmt.order_by(Patient.id).limit(limit))).all()


async def count_live_patients(session: AsyncSession, scope: Scope) -> int:
    stmt = (
        select(func.count())
        .select_from(Patient)
        .where(Patient.entered_in_error.is_(False), *scope.where(Patient))
    )
    return int(await session.scalar(stmt) or 0)


async def counts(session: AsyncSession, scope: Scope) -> list[tuple[str, str, int]]:
    stmt = (
        select(PatientFlag.flag, PatientFlag.status, func.count())
        .where(*scope.where(PatientFlag))
        .group_by(PatientFlag.flag, PatientFlag.status)
    )
    return [(flag, status, int(n)) for flag, status, n in (await session.execute(stmt)).all()]
