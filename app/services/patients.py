import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.exc import IntegrityError

from app.errors import Conflict
from app.models import Patient
from app.repositories import flags
from app.repositories import patients as repo
from app.schemas.common import PageRequest
from app.schemas.patient import PatientCreate, PatientRead, PatientUpdate
from app.services import records
from app.services.records import Saved
from app.services.resources import PATIENT
from app.services.uow import UnitOfWork
from app.services.validation import merged


async def create(uow: UnitOfWork, body: PatientCreate) -> Saved[Patient]:
    row = Patient(
        **body.model_dump(mode="json", exclude={"birth_date"}), birth_date=body.birth_date
    )
    try:
        return await records.create(uow, row)
    except IntegrityError as exc:
        raise await _mrn_taken(uow, body.mrn) from exc


async def page(
    uow: UnitOfWork,
    request: PageRequest,
    *,
    mrn: str | None = None,
    cohort: tuple[str, str] | None = None,
) -> tuple[Sequence[Patient], str | None]:
    """Patients, oldest registration first; by mrn, or by a stored flag and its status."""
    uow.audit.touch(PATIENT.name)
    where = repo.mrn_filter(mrn)
    if cohort is not None:
        where.append(flags.cohort_filter(*cohort))
    rows, cursor = await repo.page(uow.session, request, *where, by_id=cohort is not None)
    if mrn is not None and len(rows) == 1:
        uow.audit.touch(PATIENT.name, rows[0].id, rows[0].id)  # an mrn lookup names whom it found
    return rows, cursor


async def update(
    uow: UnitOfWork, patient_id: uuid.UUID, body: PatientUpdate, *, if_match: int | None
) -> Patient:
    row = await records.target(uow, PATIENT, patient_id, live=True, lock=True)
    checked = merged(PatientCreate, PatientRead.model_validate(row), body)
    changes: dict[str, Any] = checked.model_dump(mode="json", include=body.model_fields_set)
    if "birth_date" in changes:
        changes["birth_date"] = checked.birth_date
    if "mrn" in changes and changes["mrn"] != row.mrn:
        conflict = await _mrn_taken(uow, changes["mrn"])
        if conflict.extra["existing_id"] is not None:
            raise conflict
    return await records.change(uow, row, changes, if_match=if_match)


async def _mrn_taken(uow: UnitOfWork, mrn: str) -> Conflict:
    existing = await repo.get_by_mrn(uow.session, mrn)
    return Conflict(
        "a patient with this mrn already exists",
        existing_id=str(existing.id) if existing else None,
    )
