"""Bulk import (POST /v1/import): lines of every record type, committed in batches of
TR_IMPORT_BATCH_LINES, one unit of work each, through the same services as the single POSTs.

A line that breaks a rule is an error of its own (nothing of it is written: the services
check before they write, and a write that collides runs in a savepoint) and the batch goes
on; flags are stored once per patient per batch (the unit of work does it at commit); a
batch whose commit fails stores nothing and every line of it reports a 503.
"""

import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any, Literal

from pydantic import BaseModel

from app.config import Settings
from app.db import Database
from app.errors import Conflict, DomainError, Forbidden, NotFound, Unavailable, is_transient
from app.models import LabResult, Patient, Regimen
from app.repositories import base as repo
from app.repositories import patient_records
from app.repositories.scope import Scope
from app.schemas.lab_result import LabResultCreate
from app.security import Principal
from app.services import (
    assessments,
    dose_changes,
    infusions,
    lab_results,
    patients,
    records,
    regimens,
)
from app.services.records import Saved
from app.services.resources import (
    ASSESSMENT,
    DOSE_CHANGE,
    INFUSION,
    LAB_RESULT,
    PATIENT,
    REGIMEN,
    Resource,
)
from app.services.uow import AuditRecord, Origin, UnitOfWork

log = logging.getLogger("app.import")
KINDS: dict[str, Resource[Any]] = {
    kind.name: kind for kind in (PATIENT, REGIMEN, INFUSION, DOSE_CHANGE, LAB_RESULT, ASSESSMENT)
}
Status = Literal["created", "duplicate", "error"]


@dataclass(frozen=True, slots=True)
class ImportLine:
    """One line, read and validated: its record type and create body, whom it is about, the
    id to keep (an export's), or why it was refused before any of that (`refused`)."""

    number: int
    kind: str = ""
    body: BaseModel | None = None
    record_id: uuid.UUID | None = None
    patient_id: uuid.UUID | None = None
    patient_mrn: str | None = None
    regimen_id: uuid.UUID | None = None
    regimen_external_id: str | None = None
    entered_in_error: bool = False
    refused: DomainError | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    line: int
    status: Status
    record_id: uuid.UUID | None = None
    error: DomainError | None = None


@dataclass(slots=True)
class _Batch:
    """Patients found by this batch's lines (each looked up once), and the ids it created
    (a second line with one of them is a duplicate before anything is flushed)."""

    by_id: dict[uuid.UUID, Patient] = field(default_factory=dict)
    by_mrn: dict[str, Patient] = field(default_factory=dict)
    created: set[uuid.UUID] = field(default_factory=set)


async def import_batch(
    database: Database,
    caller: Principal,
    settings: Settings,
    origin: Origin,
    lines: Sequence[ImportLine],
) -> list[Outcome]:
    """Import one batch in one unit of work; the outcomes once it has committed."""
    try:
        async with UnitOfWork(database, caller, settings, write=True, origin=origin) as uow:
            batch = _Batch()
            outcomes: list[Outcome] = []
            for together, run in groupby(lines, key=_together):
                if together:  # a run of plain lab lines: written at once
                    outcomes += await _labs(uow, batch, list(run))
                else:
                    outcomes += [await _outcome(uow, batch, line) for line in run]
            uow.audit = AuditRecord()
            uow.audit.listed((p.id, p.organization) for p in batch.by_id.values())
            await uow.commit()
    except Exception as exc:  # the commit, or the database under a line: nothing is stored
        if not is_transient(exc):
            log.error("import batch failed: %s", type(exc).__name__)
        failed = Unavailable("the batch this line was in could not be stored; send it again")
        return [Outcome(line.number, "error", error=failed) for line in lines]
    return outcomes


def _together(line: ImportLine) -> bool:
    """Lab lines that create one record each are stored together (lab_results.create_many);
    the others one by one, in order."""
    return line.kind == LAB_RESULT.name and line.refused is None and not line.entered_in_error


async def _labs(uow: UnitOfWork, batch: _Batch, lines: list[ImportLine]) -> list[Outcome]:
    """A run of lab lines: their patients found with one query by mrn and one by id, the ids
    they keep checked with one, then lab_results.create_many; outcomes in line order."""
    patients_of = await _patients_of(uow, batch, lines)
    taken = await patient_records.existing_ids(
        uow.session, LabResult, {line.record_id for line in lines if line.record_id is not None}
    )
    done: dict[int, Outcome] = {}
    items: list[tuple[uuid.UUID, LabResultCreate, uuid.UUID | None]] = []
    waiting: list[ImportLine] = []
    for line in lines:
        try:
            patient = patients_of(line)
            if line.record_id in taken and await _taken(uow, batch, LAB_RESULT, line.record_id):
                done[line.number] = Outcome(line.number, "duplicate", line.record_id)
                continue
        except DomainError as exc:
            done[line.number] = Outcome(line.number, "error", error=exc)
            continue
        if line.record_id is not None and line.record_id in batch.created:
            done[line.number] = Outcome(line.number, "duplicate", line.record_id)
            continue
        assert isinstance(line.body, LabResultCreate)
        items.append((patient.id, line.body, line.record_id))
        waiting.append(line)
    for line, saved in zip(waiting, await lab_results.create_many(uow, items), strict=True):
        if isinstance(saved, DomainError):
            done[line.number] = Outcome(line.number, "error", error=saved)
            continue
        batch.created.add(saved.row)
        status: Status = "created" if saved.created else "duplicate"
        done[line.number] = Outcome(line.number, status, saved.row)
    return [done[line.number] for line in lines]


async def _patients_of(
    uow: UnitOfWork, batch: _Batch, lines: list[ImportLine]
) -> Callable[[ImportLine], Patient]:
    """_patient_of for a run of lines, each patient looked up with the others: the lookup
    answers a line's patient or raises its problem."""
    mrns = {line.patient_mrn for line in lines if line.patient_id is None and line.patient_mrn}
    by_mrn = await patients.by_mrns(uow, mrns - batch.by_mrn.keys())
    ids = {line.patient_id for line in lines if line.patient_id is not None}
    by_id = {row.id: row for row in await patients.by_ids(uow, ids - batch.by_id.keys())}
    for mrn, answer in by_mrn.items():
        if isinstance(answer, Patient) and not answer.entered_in_error:
            batch.by_mrn[mrn] = batch.by_id[answer.id] = answer
    for found in by_id.values():
        if not found.entered_in_error:
            batch.by_id[found.id] = found

    return lambda line: _found(batch, by_mrn, by_id, line)


def _found(
    batch: _Batch,
    by_mrn: dict[str, Patient | DomainError],
    by_id: dict[uuid.UUID, Patient],
    line: ImportLine,
) -> Patient:
    """A line's patient among those looked up (as _patient_of answers it), or its problem."""
    if line.patient_id is not None:
        found = batch.by_id.get(line.patient_id) or by_id.get(line.patient_id)
        if found is None:
            raise NotFound("no patient with this id")
        if found.entered_in_error:
            raise NotFound("this patient was entered in error")
        return found
    if line.patient_mrn is None:
        raise NotFound("name the patient by patient_id or patient_mrn")
    answer = batch.by_mrn.get(line.patient_mrn) or by_mrn[line.patient_mrn]
    if isinstance(answer, DomainError):
        raise answer
    if answer.entered_in_error:
        raise NotFound("the patient with this mrn was entered in error")
    return answer


async def _outcome(uow: UnitOfWork, batch: _Batch, line: ImportLine) -> Outcome:
    if line.refused is not None:
        return Outcome(line.number, "error", error=line.refused)
    try:
        return await _store(uow, batch, line)
    except DomainError as exc:
        return Outcome(line.number, "error", error=exc)


async def _store(uow: UnitOfWork, batch: _Batch, line: ImportLine) -> Outcome:
    kind = KINDS[line.kind]
    if kind is not LAB_RESULT and not uow.caller.has_any("records:write"):
        raise Forbidden("a labs:write caller may import lab results only")
    if line.record_id is not None and await _taken(uow, batch, kind, line.record_id):
        return Outcome(line.number, "duplicate", line.record_id)
    saved = await _create(uow, batch, kind, line)
    if saved.created:
        batch.created.add(saved.row.id)
        if line.entered_in_error:
            await records.enter_in_error(uow, kind, saved.row.id, if_match=None)
    return Outcome(line.number, "created" if saved.created else "duplicate", saved.row.id)


async def _taken(uow: UnitOfWork, batch: _Batch, kind: Resource[Any], record_id: uuid.UUID) -> bool:
    """Whether a record of this type has the id already (then the line is a duplicate); an
    id held by a record the caller does not see cannot be given to another."""
    if record_id in batch.created:
        return True
    if await repo.get(uow.session, Scope.everything(), kind.model, record_id) is None:
        return False
    if uow.scope.unrestricted or await repo.get(uow.session, uow.scope, kind.model, record_id):
        return True
    raise Conflict("this id is taken; leave `id` out to have one made")


async def _create(
    uow: UnitOfWork, batch: _Batch, kind: Resource[Any], line: ImportLine
) -> Saved[Any]:
    body: Any = line.body
    if kind is PATIENT:
        saved = await patients.create(uow, body, record_id=line.record_id)
        batch.by_id[saved.row.id] = saved.row
        return saved
    if kind is INFUSION:
        regimen_id = await _regimen_of(uow, batch, line)
        return await infusions.create(uow, regimen_id, body, record_id=line.record_id)
    if kind is DOSE_CHANGE:
        regimen_id = await _regimen_of(uow, batch, line)
        return await dose_changes.create(uow, regimen_id, body, record_id=line.record_id)
    patient_id = (await _patient_of(uow, batch, line)).id
    if kind is REGIMEN:
        return await regimens.create(uow, patient_id, body, record_id=line.record_id)
    if kind is LAB_RESULT:
        return await lab_results.create(uow, patient_id, body, record_id=line.record_id)
    return await assessments.create(uow, patient_id, body, record_id=line.record_id)


async def _patient_of(uow: UnitOfWork, batch: _Batch, line: ImportLine) -> Patient:
    """The line's patient by `patient_id`, or by `patient_mrn` in the caller's
    organizations (404 none, 409 several)."""
    if line.patient_id is not None:
        found = batch.by_id.get(line.patient_id)
        if found is None:
            found = await records.target(uow, PATIENT, line.patient_id, live=True)
    elif line.patient_mrn is not None:
        found = batch.by_mrn.get(line.patient_mrn) or await patients.by_mrn(uow, line.patient_mrn)
        if found.entered_in_error:
            raise NotFound("the patient with this mrn was entered in error")
        batch.by_mrn[line.patient_mrn] = found
    else:
        raise NotFound("name the patient by patient_id or patient_mrn")
    batch.by_id[found.id] = found
    return found


async def _regimen_of(uow: UnitOfWork, batch: _Batch, line: ImportLine) -> uuid.UUID:
    """An infusion's or a dose change's regimen: `regimen_id`, or `regimen_external_id` of
    the line's patient."""
    if line.regimen_id is not None:
        regimen = await records.get(uow, REGIMEN, line.regimen_id)
        batch.by_id.setdefault(regimen.patient_id, await _patient(uow, regimen.patient_id))
        return regimen.id
    if line.regimen_external_id is None:
        raise NotFound("name the regimen by regimen_id or regimen_external_id")
    patient = await _patient_of(uow, batch, line)
    found = await patient_records.by_external_id(
        uow.session, uow.scope, Regimen, patient.id, line.regimen_external_id
    )
    if found is None or found.entered_in_error:
        raise NotFound("the patient has no regimen with this regimen_external_id")
    return found.id


async def _patient(uow: UnitOfWork, patient_id: uuid.UUID) -> Patient:
    return await records.get(uow, PATIENT, patient_id)
