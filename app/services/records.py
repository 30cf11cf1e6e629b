"""The lifecycle every record shares: create, read, change, enter in error, history.

Each write appends the record's new state to `record_version` in the same transaction.
"""

import uuid
from collections.abc import Sequence
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError

from app.errors import Conflict, NotFound, PreconditionFailed
from app.models import Patient, RecordVersion
from app.models.base import Base, Record, utcnow
from app.repositories import versions
from app.repositories.base import by_external_id, get_by_id
from app.services.uow import UnitOfWork

M = TypeVar("M", bound=Record)

RESOURCE_TYPES: dict[str, str] = {
    "Patient": "patient",
    "Regimen": "regimen",
    "Infusion": "infusion",
    "LabResult": "lab_result",
    "Assessment": "assessment",
}


def resource_type(model: type[Base]) -> str:
    return RESOURCE_TYPES[model.__name__]


def patient_of(row: Any) -> uuid.UUID:
    found: uuid.UUID = row.patient_id if hasattr(row, "patient_id") else row.id
    return found


async def load(uow: UnitOfWork, model: type[M], record_id: uuid.UUID) -> M:
    """A record by id, entered-in-error ones included (they stay readable by id)."""
    uow.audit.touch(resource_type(model), record_id)
    row = await get_by_id(uow.session, model, record_id)
    if row is None:
        raise NotFound(f"no {resource_type(model)} with this id")  # ids stay out of messages
    uow.audit.touch(resource_type(model), record_id, patient_of(row))
    return row


async def load_live(uow: UnitOfWork, model: type[M], record_id: uuid.UUID) -> M:
    """A record that new records may refer to: entered-in-error ones do not count."""
    row = await load(uow, model, record_id)
    if getattr(row, "entered_in_error", False):
        raise NotFound(f"this {resource_type(model)} was entered in error")
    return row


async def related(uow: UnitOfWork, model: type[M], record_id: uuid.UUID) -> M:
    """A live record the request consults without it being the audited target."""
    row = await get_by_id(uow.session, model, record_id)
    if row is None or row.entered_in_error:
        raise NotFound(f"the {resource_type(model)} of this record is gone")
    return row


async def load_for_update(uow: UnitOfWork, model: type[M], record_id: uuid.UUID) -> M:
    """A live record to change: the patient's other writers wait until commit, and the row
    is re-read under that lock, so checks and merges see the latest committed state."""
    row = await load_live(uow, model, record_id)
    await _lock_and_refresh(uow, row)
    return row


async def _lock_and_refresh(uow: UnitOfWork, row: Record) -> None:
    await uow.lock_patient(patient_of(row))
    await uow.session.refresh(row)


async def parent(
    uow: UnitOfWork, model: type[M], record_id: uuid.UUID, child: type[Base], *, lock: bool = False
) -> M:
    """The live record a new or listed child hangs from; the audit names the child type.
    `lock`: the child is checked against it (dates), so it is locked and re-read first."""
    row = await (load_for_update if lock else load_live)(uow, model, record_id)
    uow.audit.resource_type, uow.audit.resource_id = resource_type(child), None
    return row


async def add(uow: UnitOfWork, row: M, read: type[BaseModel]) -> M:
    """Insert a record; a unique constraint it breaks becomes IntegrityError for the caller.

    Only a record with a unique value (a patient's mrn, an external_id) is flushed at once,
    inside a savepoint; the rest are inserted together at commit, in batches."""
    if not isinstance(row, Patient):  # a new patient has no other writer yet
        await uow.lock_patient(patient_of(row))
    _stamp(row)
    if isinstance(row, Patient) or getattr(row, "external_id", None) is not None:
        async with uow.session.begin_nested():
            uow.session.add(row)
            await uow.session.flush()
    else:
        uow.session.add(row)
    await _snapshot(uow, row, read)
    uow.changed_patients.add(patient_of(row))
    uow.audit.status = 201
    uow.audit.touch(resource_type(type(row)), row.id, patient_of(row))
    return row


async def change(
    uow: UnitOfWork, row: M, changes: dict[str, Any], if_match: int | None, read: type[BaseModel]
) -> M:
    await uow.lock_patient(patient_of(row))  # normally held already (load_for_update)
    check_version(row, if_match)
    for name, value in changes.items():
        setattr(row, name, value)
    if uow.session.is_modified(row):
        try:
            async with uow.session.begin_nested():
                await uow.session.flush()
        except IntegrityError as exc:
            raise Conflict("the change collides with another record's unique value") from exc
        await _snapshot(uow, row, read)
        uow.changed_patients.add(patient_of(row))
    return row


async def enter_in_error(
    uow: UnitOfWork,
    model: type[M],
    record_id: uuid.UUID,
    if_match: int | None,
    read: type[BaseModel],
) -> M:
    """DELETE never destroys clinical data: the record is marked and stays readable."""
    row = await load(uow, model, record_id)
    await _lock_and_refresh(uow, row)
    if row.entered_in_error:
        check_version(row, if_match)
        return row
    return await change(uow, row, {"entered_in_error": True}, if_match, read)


def check_version(row: Any, if_match: int | None) -> None:
    if if_match is not None and if_match != row.version:
        raise PreconditionFailed(
            f"If-Match names version {if_match}; the record is at version {row.version}",
            current_version=row.version,
        )


async def history(uow: UnitOfWork, model: type[M], record_id: uuid.UUID) -> Sequence[RecordVersion]:
    await load(uow, model, record_id)
    return await versions.for_record(uow.session, resource_type(model), record_id)


def _stamp(row: Record) -> None:
    """What the database would fill in, set now: the snapshot and the answer need it
    before the batched insert runs."""
    now = utcnow()
    row.id = row.id or uuid.uuid4()
    row.version, row.created_at, row.updated_at, row.entered_in_error = 1, now, now, False


async def _snapshot(uow: UnitOfWork, row: Any, read: type[BaseModel]) -> None:
    uow.session.add(
        RecordVersion(
            resource_type=resource_type(type(row)),
            resource_id=row.id,
            patient_id=patient_of(row),
            version=row.version,
            data=read.model_validate(row).model_dump(mode="json"),
            actor=uow.actor,
        )
    )


async def add_natural(uow: UnitOfWork, row: M, read: type[BaseModel], sent: dict[str, Any]) -> M:
    """Insert a record that carries the sender's `external_id`, unique per patient.

    The database's unique constraint decides (no read-then-write race): on a collision an
    identical re-send gets the stored record back, a different body is a 409 naming it.
    """
    try:
        return await add(uow, row, read)
    except IntegrityError:
        external_id: str = getattr(row, "external_id")  # noqa: B009 - Record has none
        existing = await by_external_id(uow.session, type(row), patient_of(row), external_id)
        if existing is None:
            raise
    if existing.entered_in_error:
        raise Conflict(
            "a record with this external_id was entered in error; send a new external_id",
            existing_id=str(existing.id),
        )
    if all(getattr(existing, name) == value for name, value in sent.items()):
        uow.audit.status = 200
        uow.audit.touch(resource_type(type(row)), existing.id, patient_of(existing))
        return existing
    raise Conflict(
        "a record with this external_id exists with different content",
        existing_id=str(existing.id),
    )
