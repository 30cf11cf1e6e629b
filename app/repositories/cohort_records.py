"""Column-only reads over a cohort of patients at once, for reports: one statement per kind of
row for the whole cohort (never one per patient); each row starts with its `patient_key`."""

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Row, Select, select, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import DoseChange, Patient, PatientFlag, Regimen
from app.models.base import IdText
from app.repositories.clinical import DOSE_CHANGE_COLUMNS, REGIMEN_COLUMNS, _text
from app.repositories.scope import Scope


def takers(scope: Scope, drug: str, started_by: date) -> Select[Any]:
    """Ids of the visible live patients with a live regimen of `drug` starting by a date."""
    return (
        select(Regimen.patient_id)
        .join(Patient, Patient.id == Regimen.patient_id)
        .where(
            Regimen.drug == drug,
            Regimen.start_date <= started_by,
            Regimen.entered_in_error.is_(False),
            Patient.entered_in_error.is_(False),
            *scope.where(Patient),
        )
        .distinct()
    )


async def patients(session: AsyncSession, cohort: Select[Any]) -> Sequence[Row[Any]]:
    """(id as text, organization, sex, birth_date) of the cohort's patients, by id."""
    stmt = (
        select(_text(Patient.id), Patient.organization, Patient.sex, Patient.birth_date)
        .where(Patient.id.in_(cohort))
        .order_by(Patient.id)
    )
    return (await session.execute(stmt)).all()


def _of_cohort(
    model: Any, columns: tuple[Any, ...], cohort: Select[Any], *where: Any
) -> Select[Any]:
    # Unordered: the rules order a patient's regimens themselves (no sort of the cohort's).
    patient_id = model.patient_id
    return select(type_coerce(patient_id, IdText()).label("patient_key"), *columns).where(
        patient_id.in_(cohort), model.entered_in_error.is_(False), *where
    )


async def _all(session: AsyncSession, stmt: Select[Any]) -> Sequence[Row[Any]]:
    # Core execution on the session's connection: plain rows, no ORM entities.
    connection = await session.connection()
    rows: Sequence[Row[Any]] = (await connection.execute(stmt)).all()
    return rows


async def regimens(session: AsyncSession, cohort: Select[Any]) -> Sequence[Row[Any]]:
    return await _all(session, _of_cohort(Regimen, REGIMEN_COLUMNS, cohort))


async def dose_changes(session: AsyncSession, cohort: Select[Any]) -> Sequence[Row[Any]]:
    """The cohort's live dose changes (a taper changes the steroid dose at the start)."""
    return await _all(session, _of_cohort(DoseChange, DOSE_CHANGE_COLUMNS, cohort))


async def stored_remission(session: AsyncSession, cohort: Select[Any]) -> Sequence[Row[Any]]:
    """(patient_key, as_of, rules_digest, history) of the cohort's stored remission flags."""
    stmt = select(
        type_coerce(PatientFlag.patient_id, IdText()).label("patient_key"),
        PatientFlag.as_of,
        PatientFlag.rules_digest,
        PatientFlag.history,
    ).where(PatientFlag.flag == "remission", PatientFlag.patient_id.in_(cohort))
    return await _all(session, stmt)
