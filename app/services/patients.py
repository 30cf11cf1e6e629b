import uuid
from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy.exc import IntegrityError

from app.errors import Conflict, DomainError, NotFound, Unprocessable
from app.models import Patient
from app.repositories import flags
from app.repositories import patients as repo
from app.schemas.common import PageRequest
from app.schemas.patient import PatientCreate, PatientRead, PatientUpdate
from app.services import records, tenancy
from app.services.records import Saved
from app.services.resources import PATIENT
from app.services.uow import UnitOfWork
from app.services.validation import merged


async def create(
    uow: UnitOfWork, body: PatientCreate, *, record_id: uuid.UUID | None = None
) -> Saved[Patient]:
    """Register a patient in the organization asked for, or the caller's only one."""
    organization = tenancy.for_new_patient(uow.caller, uow.settings, body.organization)
    fields = body.model_dump(mode="json", exclude={"birth_date", "organization"})
    row = Patient(id=record_id, **fields, birth_date=body.birth_date, organization=organization)
    try:
        return await records.create(uow, row)
    except IntegrityError as exc:
        raise await _mrn_taken(uow, organization, body.mrn) from exc


async def by_mrn(uow: UnitOfWork, mrn: str) -> Patient:
    """The one patient with this mrn in the caller's organizations (the lookup of the FHIR
    identifier, HL7 PID-3 and import's patient_mrn): 404 if none, 409 if several."""
    uow.audit.touch(PATIENT.name)
    found = _one_of(await repo.by_mrn(uow.session, uow.scope, mrn))
    uow.audit.touch(PATIENT.name, found.id, found.id)
    return found


async def by_mrns(uow: UnitOfWork, mrns: Collection[str]) -> dict[str, Patient | DomainError]:
    """by_mrn for many mrns in one query (an import batch's): the patient or the problem."""
    uow.audit.touch(PATIENT.name)
    found: dict[str, list[Patient]] = {mrn: [] for mrn in mrns}
    for patient in await repo.by_mrns(uow.session, uow.scope, mrns):
        found[patient.mrn].append(patient)
    answers: dict[str, Patient | DomainError] = {}
    for mrn, matches in found.items():
        try:
            answers[mrn] = _one_of(matches)
        except DomainError as exc:
            answers[mrn] = exc
    return answers


async def by_ids(uow: UnitOfWork, patient_ids: Collection[uuid.UUID]) -> Sequence[Patient]:
    """The patients with these ids the caller sees (entered-in-error ones included)."""
    return await repo.by_ids(uow.session, uow.scope, patient_ids)


def _one_of(found: Sequence[Patient]) -> Patient:
    """The one patient an mrn names in the caller's organizations: 404 none, 409 several."""
    if not found:
        raise NotFound("no patient with this mrn")
    if len(found) > 1:
        raise Conflict("this mrn names patients in more than one organization")
    return found[0]


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
    rows, cursor = await repo.page(
        uow.session, uow.scope, request, *where, by_id=cohort is not None
    )
    uow.audit.listed((row.id, row.organization) for row in rows)
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
    organization = changes.get("organization", row.organization)
    if organization is None:
        raise Unprocessable("organization cannot be removed", loc=("body", "organization"))
    if organization != row.organization:
        tenancy.check_move(uow.caller, uow.settings, organization)
    mrn = changes.get("mrn", row.mrn)
    if (organization, mrn) != (row.organization, row.mrn):
        conflict = await _mrn_taken(uow, organization, mrn)
        if conflict.extra["existing_id"] is not None:
            raise conflict
    return await records.change(uow, row, changes, if_match=if_match)


async def _mrn_taken(uow: UnitOfWork, organization: str, mrn: str) -> Conflict:
    """The mrn is unique per organization: the patient that already has it there (the caller
    sees it: a patient goes only into the caller's own organizations)."""
    existing = await repo.by_mrn(uow.session, uow.scope, mrn, organization=organization)
    return Conflict(
        "a patient with this mrn already exists in this organization",
        existing_id=str(existing[0].id) if existing else None,
    )
