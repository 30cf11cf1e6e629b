"""Patient status: the rules run over the records on demand; the flags are stored per write
(stored_flags), and today's rendered status is kept until the records change (`document`)."""

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import date
from typing import Any

from app import rules
from app.metrics import RULES, STATUS_DOCUMENTS
from app.repositories import status_documents
from app.services import clinical_inputs, records
from app.services.resources import PATIENT
from app.services.uow import UnitOfWork

RULES_VERSION = rules.RULES_VERSION


async def evaluate(
    uow: UnitOfWork,
    patient_id: uuid.UUID,
    as_of: date | None,
    *,
    leaving_out: frozenset[str] = frozenset(),
) -> rules.PatientStatus:
    """The status as of a date (default today); `leaving_out`: ids of records to ignore (a
    regimen's infusions go with it), for a what-if."""
    patient = await _target(uow, patient_id)
    return await _evaluate(uow, patient, as_of or uow.settings.today(), leaving_out)


async def _evaluate(
    uow: UnitOfWork,
    patient: clinical_inputs.PatientFacts,
    day: date,
    leaving_out: frozenset[str] = frozenset(),
) -> rules.PatientStatus:
    loaded = await _records(uow, patient, day)
    if leaving_out:
        loaded = without(loaded, leaving_out)
    with RULES.labels("status").time():
        return rules.evaluate(loaded, day, uow.settings.rules)


async def document(
    uow: UnitOfWork,
    patient_id: uuid.UUID,
    as_of: date | None,
    render: Callable[[rules.PatientStatus], str],
) -> str:
    """`evaluate`, rendered. As of today, the rendering is kept for the next caller until the
    patient's records change (every write of them stores its remission flag again, a new
    generation) or the day or the rules' settings do; a document is never answered for
    records other than those it was evaluated from."""
    today = uow.settings.today()
    day = as_of or today
    if day != today:
        return render(await evaluate(uow, patient_id, day))
    digest = uow.settings.rules.digest
    # The patient and the document kept for it, in one query.
    kept = status_documents.patient_and_kept(
        await uow.connection(), uow.scope, patient_id, day, digest
    )
    patient = await _target(uow, patient_id, kept)
    if patient.body is not None:
        STATUS_DOCUMENTS.labels("kept").inc()
        return str(patient.body)
    STATUS_DOCUMENTS.labels("evaluated").inc()
    body = render(await _evaluate(uow, patient, day))
    if patient.generation is not None:
        row = {"patient_id": patient_id, "generation": patient.generation, "as_of": day}
        uow.keep(status_documents.keep, {**row, "rules_digest": digest, "body": body})
    return body


def without(loaded: rules.PatientRecords, ids: frozenset[str]) -> rules.PatientRecords:
    """The records but those named (an infusion also goes when its regimen is named)."""
    return replace(
        loaded,
        regimens=tuple(r for r in loaded.regimens if r.id not in ids),
        infusions=tuple(i for i in loaded.infusions if i.id not in ids and i.regimen_id not in ids),
        lab_results=tuple(lab for lab in loaded.lab_results if lab.id not in ids),
        assessments=tuple(a for a in loaded.assessments if a.id not in ids),
    )


async def history(
    uow: UnitOfWork, patient_id: uuid.UUID, as_of: date | None
) -> tuple[date, list[rules.FlagChange]]:
    day = as_of or uow.settings.today()
    loaded = await _records(uow, await _target(uow, patient_id), day)
    with RULES.labels("history").time():
        return day, rules.status_history(loaded, day, uow.settings.rules)


async def _target(
    uow: UnitOfWork, patient_id: uuid.UUID, read: Awaitable[Any] | None = None
) -> Any:
    """The patient's row (`clinical_inputs.PatientFacts`), read by `read` if given."""
    patient = await records.read_target(uow, PATIENT, patient_id, read=read)
    uow.audit.touch("patient_status", patient_id, patient_id)
    return patient


async def _records(
    uow: UnitOfWork, patient: clinical_inputs.PatientFacts, day: date
) -> rules.PatientRecords:
    return await clinical_inputs.load(
        await uow.connection(), uow.scope, patient, day, uow.settings.rules
    )
