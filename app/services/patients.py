import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.exc import IntegrityError

from app.errors import Conflict
from app.models import Patient
from app.repositories import flags
from app.repositories import patients as repo
from app.repositories.patient_records import PageRequest
from app.schemas.patient import PatientCreate, PatientRead, PatientUpdate
from app.services import records
from app.services.unit import Unit
from app.services.validation import merged


async def create(unit: Unit, body: PatientCreate) -> Patient:
    row = Patient(
        **body.model_dump(mode="json", exclude={"birth_date"}), birth_date=body.birth_date
    )
    try:
        return await records.add(unit, row, PatientRead)
    except IntegrityError as exc:
        raise await _mrn_taken(unit, body.mrn) from exc


async def page(
    unit: Unit, request: PageRequest, mrn: str | None, cohort: tuple[str, str] | None
) -> tuple[Sequence[Patient], str | None]:
    unit.touch("patient")
    where = repo.mrn_filter(mrn)
    if cohort is not None:
        where.append(flags.cohort_filter(*cohort))
    rows, cursor = await repo.page(unit.session, request, *where, by_id=cohort is not None)
    if mrn is not None and len(rows) == 1:
        unit.touch("patient", rows[0].id, rows[0].id)  # an mrn lookup names whom it found
    return rows, cursor


async def update(
    unit: Unit, patient_id: uuid.UUID, body: PatientUpdate, if_match: int | None
) -> Patient:
    row = await records.load_for_update(unit, Patient, patient_id)
    checked = merged(PatientCreate, PatientRead.model_validate(row), body)
    changes: dict[str, Any] = checked.model_dump(mode="json", include=body.model_fields_set)
    if "birth_date" in changes:
        changes["birth_date"] = checked.birth_date
    if "mrn" in changes and changes["mrn"] != row.mrn:
        conflict = await _mrn_taken(unit, changes["mrn"])
        if conflict.extra["existing_id"] is not None:
            raise conflict
    return await records.change(unit, row, changes, if_match, PatientRead)


async def _mrn_taken(unit: Unit, mrn: str) -> Conflict:
    existing = await repo.get_by_mrn(unit.session, mrn)
    return Conflict(
        "a patient with this mrn already exists",
        existing_id=str(existing.id) if existing else None,
    )
