"""The materialised current flags: upsert per patient, cohort lookups by (flag, status)."""

import uuid
from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Patient, PatientFlag
from app.repositories.scope import Scope


# Rows per upsert statement: 8 parameters each, far below both databases' limit (32,766).
UPSERT_ROWS = 1500


async def upsert(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Insert or replace each (patient_id, flag) row, UPSERT_ROWS to a statement (no read
    first)."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    changing = ("status", "since", "as_of", "rules_version", "evaluated_at", "history")
    for start in range(0, len(rows), UPSERT_ROWS):
        stmt = dialect.insert(PatientFlag).values(list(rows[start : start + UPSERT_ROWS]))
        await session.execute(
            stmt.on_conflict_do_update(
                index_elements=[PatientFlag.patient_id, PatientFlag.flag],
                set_={name: stmt.excluded[name] for name in changing},
            )
        )


async def statuses(
    session: AsyncSession, patient_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, dict[str, str]]:
    """The patients' stored flag statuses, by patient and flag (none before a patient's first
    evaluation), in one query."""
    stmt = select(PatientFlag.patient_id, PatientFlag.flag, PatientFlag.status).where(
        PatientFlag.patient_id.in_(sorted(patient_ids))
    )
    found: dict[uuid.UUID, dict[str, str]] = {}
    for patient_id, flag, status in (await session.execute(stmt)).all():
        found.setdefault(patient_id, {})[flag] = status
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
