"""Patient/{id}/$everything: the patient's records through the /v1 listings' query, mapped
by app.fhir.everything, one page (an offset into the stable order) at a time."""

import uuid
from collections.abc import Sequence
from typing import Any

from app.fhir.datatypes import Resource
from app.fhir.errors import InvalidRequest
from app.fhir.everything import PatientRecords, everything_page
from app.fhir.search import check_format, parse_count
from app.repositories import patient_records
from app.schemas.common import PageRequest
from app.services import records
from app.services.fhir_query import CURSOR, Params
from app.services.fhir_reads import Gone, fhir_config, is_corrected, shown, status_json, uuid_of
from app.services.resources import ASSESSMENT, INFUSION, LAB_RESULT, PATIENT, REGIMEN
from app.services.resources import Resource as Kind
from app.services.uow import UnitOfWork

BATCH = 500


async def everything(uow: UnitOfWork, fhir_id: str, params: Params, *, server: str) -> Resource:
    """One searchset page of everything about a patient (entered-in-error records left out;
    a patient entered in error is Gone)."""
    given = dict(params)
    check_format(given.get("_format"))
    count, offset = parse_count(given.get("_count")), _offset(given.get(CURSOR))
    patient_id = uuid_of(fhir_id, "patient")
    patient = await records.target(uow, PATIENT, patient_id)
    if patient.entered_in_error:
        raise Gone("Patient", "this patient was entered in error")
    uow.audit.listed([(patient.id, patient.organization)])
    labs = await _all(uow, LAB_RESULT, patient_id)
    current, history = await status_json(uow, patient_id)
    found = PatientRecords(
        patient=(await shown(uow, PATIENT, [patient]))[0],
        regimens=await _all(uow, REGIMEN, patient_id),
        infusions=await _all(uow, INFUSION, patient_id),
        lab_results=labs,
        assessments=await _all(uow, ASSESSMENT, patient_id),
        status=current,
        status_history=history,
        corrected_lab_ids=frozenset(str(lab["id"]) for lab in labs if is_corrected(lab)),
    )

    def page_url(at: int) -> str:
        return f"{server}/Patient/{patient_id}/$everything?_count={count}&{CURSOR}={at}"

    return everything_page(
        found,
        fhir_config(uow.settings),
        today=uow.settings.today(),
        server=server,
        offset=offset,
        count=count,
        page_url=page_url,
    )


def _offset(value: str | None) -> int:
    if value is None:
        return 0
    if not value.isdigit() or len(value) > 9:
        raise InvalidRequest(CURSOR, "not a position this server gave")
    return int(value)


async def _all(uow: UnitOfWork, kind: Kind[Any], patient_id: uuid.UUID) -> list[dict[str, Any]]:
    """Every record of the patient of this kind, entered-in-error ones too (an infusion's
    regimen must be known even when that regimen was entered in error)."""
    rows: list[Any] = []
    cursor: str | None = None
    while True:
        request = PageRequest(cursor, BATCH, include_in_error=True)
        found: tuple[Sequence[Any], str | None] = await patient_records.page_for_patient(
            await uow.connection(), uow.scope, kind.model, patient_id, request, sort=kind.sort_key
        )
        rows += found[0]
        cursor = found[1]
        if cursor is None:
            return await shown(uow, kind, rows)
