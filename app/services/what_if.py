"""What-if: the status a patient would have with hypothetical records added and real ones
left out. The added records go through the very services of their POSTs (same validation,
same stored form, hence the same inputs to the rules) inside a savepoint that is rolled
back: nothing is stored, no event is sent, no stored flag moves; the request is audited as
a read of the patient's status."""

import uuid
from collections.abc import Awaitable, Sequence
from datetime import date
from typing import Any, TypeVar

from app import rules
from app.errors import NotFound, Unprocessable
from app.models import Assessment, Infusion, LabResult, Regimen
from app.repositories import patient_records
from app.schemas.infusion import InfusionCreate
from app.schemas.what_if import HypotheticalInfusion, HypotheticalRecords, WhatIfRequest
from app.services import assessments, infusions, lab_results, records, regimens, status
from app.services.resources import PATIENT
from app.services.uow import UnitOfWork

RECORD_MODELS = (Regimen, Infusion, LabResult, Assessment)
T = TypeVar("T")


async def evaluate(
    uow: UnitOfWork, patient_id: uuid.UUID, body: WhatIfRequest
) -> rules.PatientStatus:
    await records.target(uow, PATIENT, patient_id, live=True)
    day = body.as_of or uow.settings.today()
    _check_dates(uow, body.add, day)
    leaving_out = await _exclusions(uow, patient_id, body.exclude)
    async with uow.hypothetical():
        await _add(uow, patient_id, body.add)
        await uow.session.flush()
        result = await status.evaluate(uow, patient_id, day, leaving_out=leaving_out)
    uow.audit.touch("patient_status", patient_id, patient_id)
    return result


async def _exclusions(
    uow: UnitOfWork, patient_id: uuid.UUID, ids: Sequence[uuid.UUID]
) -> frozenset[str]:
    """The ids, all of this patient's records; any other (another patient's, or none) is a
    422, the same for both so the answer tells nothing about other patients."""
    found = await patient_records.ids_of_patient(
        uow.session, uow.scope, patient_id, set(ids), RECORD_MODELS
    )
    for index, record_id in enumerate(ids):
        if record_id not in found:
            raise Unprocessable("not a record of this patient", loc=("body", "exclude", index))
    return frozenset(str(record_id) for record_id in ids)


def _check_dates(uow: UnitOfWork, add: HypotheticalRecords, day: date) -> None:
    zone = uow.settings.zone
    dated: list[tuple[str, str, list[Any]]] = [
        ("lab_results", "collected_at", list(add.lab_results)),
        ("assessments", "assessed_at", list(add.assessments)),
        ("infusions", "administered_at", list(add.infusions)),
    ]
    for kind, field, bodies in dated:
        for index, sent in enumerate(bodies):
            if getattr(sent, field).astimezone(zone).date() > day:
                raise Unprocessable(
                    "a hypothetical record may be dated up to as_of",
                    loc=("body", "add", kind, index, field),
                )
    for index, regimen in enumerate(add.regimens):
        if regimen.start_date > day:
            raise Unprocessable(
                "a hypothetical record may be dated up to as_of",
                loc=("body", "add", "regimens", index, "start_date"),
            )


async def _add(uow: UnitOfWork, patient_id: uuid.UUID, add: HypotheticalRecords) -> None:
    new_regimens: list[uuid.UUID] = []
    for index, regimen in enumerate(add.regimens):
        saved = await _as(("regimens", index), regimens.create(uow, patient_id, regimen))
        new_regimens.append(saved.row.id)
    for index, lab in enumerate(add.lab_results):
        await _as(("lab_results", index), lab_results.create(uow, patient_id, lab))
    for index, visit in enumerate(add.assessments):
        await _as(("assessments", index), assessments.create(uow, patient_id, visit))
    for index, given in enumerate(add.infusions):
        where = ("infusions", index)
        regimen_id = await _regimen_of(uow, patient_id, given, new_regimens, where)
        body = InfusionCreate.model_validate(
            given.model_dump(exclude={"regimen_id", "regimen_index"})
        )
        await _as(where, infusions.create(uow, regimen_id, body))


async def _regimen_of(
    uow: UnitOfWork,
    patient_id: uuid.UUID,
    given: HypotheticalInfusion,
    new_regimens: list[uuid.UUID],
    where: tuple[str, int],
) -> uuid.UUID:
    """The regimen an added infusion names: one of add.regimens, or one of this patient's."""
    if given.regimen_index is not None:
        if given.regimen_index >= len(new_regimens):
            raise Unprocessable(
                "regimen_index names no regimen of add.regimens",
                loc=("body", "add", *where, "regimen_index"),
            )
        return new_regimens[given.regimen_index]
    assert given.regimen_id is not None  # the schema asks for exactly one of the two
    mine = await patient_records.ids_of_patient(
        uow.session, uow.scope, patient_id, {given.regimen_id}, (Regimen,)
    )
    if not mine:
        raise Unprocessable(
            "regimen_id names no regimen of this patient",
            loc=("body", "add", *where, "regimen_id"),
        )
    return given.regimen_id


async def _as(where: tuple[str, int], call: Awaitable[T]) -> T:
    """Run a POST's service; a refusal names the hypothetical record (body.add.<kind>[i]).
    A regimen entered in error (404 for a POST to it) is a 422 here: the body names it."""
    try:
        return await call
    except Unprocessable as exc:
        exc.loc = ("body", "add", *where, *exc.loc[1:])
        raise
    except NotFound as exc:
        raise Unprocessable(exc.detail, loc=("body", "add", *where, "regimen_id")) from exc
