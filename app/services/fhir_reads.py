"""FHIR reads (read, vread): our records loaded through the same services and scope as /v1,
shown as their /v1 JSON, then mapped by the pure app.fhir functions."""

import uuid
from collections.abc import Sequence
from typing import Any

from app.config import Settings
from app.errors import NotFound
from app.fhir import ids
from app.fhir.assessment import assessment_item, assessment_observations
from app.fhir.config import FhirConfig
from app.fhir.datatypes import Resource
from app.fhir.errors import FhirError
from app.fhir.flags import detected_issue, flag_resource
from app.fhir.labs import lab_observation
from app.fhir.medication import medication_administration, medication_request
from app.fhir.patient import patient_resource
from app.repositories import versions
from app.schemas.status import StatusRead
from app.services import records, resources, status
from app.services.resources import (
    ASSESSMENT,
    INFUSION,
    LAB_RESULT,
    PATIENT,
    REGIMEN,
)
from app.services.resources import (
    Resource as Kind,
)
from app.services.uow import UnitOfWork

Json = dict[str, Any]


class Gone(FhirError):
    """A patient entered in error: 410, as FHIR answers a deleted resource."""

    status = 410
    issue_code = "deleted"


def fhir_config(settings: Settings) -> FhirConfig:
    return FhirConfig(
        base_url=settings.fhir_base_url,
        mrn_system=settings.fhir_mrn_system,
        tenancy=settings.tenancy,
    )


def uuid_of(fhir_id: str, kind: str) -> uuid.UUID:
    """Our record id in a FHIR id; an id that cannot be ours is simply not found."""
    found = ids.record_id(fhir_id)
    if found is None:
        raise NotFound(f"no {kind} with this id")
    return uuid.UUID(found)


async def shown(uow: UnitOfWork, kind: Kind[Any], rows: Sequence[Any]) -> list[Json]:
    """Rows as their /v1 read JSON (derived fields included: an infusion's checks)."""
    return [read.model_dump(mode="json") for read in await resources.present(uow, kind, rows)]


async def record_json(
    uow: UnitOfWork, kind: Kind[Any], record_id: uuid.UUID, version: int | None
) -> tuple[Any, Json]:
    """The record (scoped, audited) and its JSON: now, or as stored at `version` (vread)."""
    row = await records.target(uow, kind, record_id)
    if version is None:
        return row, (await shown(uow, kind, [row]))[0]
    if version == row.version:
        return row, (await shown(uow, kind, [row]))[0]
    stored = await versions.one(uow.session, uow.scope, kind.name, record_id, version)
    if stored is None:
        raise NotFound(f"this {kind.name} has no such version")
    return row, stored


def is_corrected(lab: Json) -> bool:
    """A lab result's value changes only by a correction (HL7 OBX-11 `C`: a new version of
    the same record), so a live lab past its first version is a corrected one."""
    return int(lab["version"]) > 1 and not lab["entered_in_error"]


async def read(
    uow: UnitOfWork, resource_type: str, fhir_id: str, version: int | None = None
) -> Resource:
    """One resource by type and id (`version`: vread), or NotFound / Gone."""
    config = fhir_config(uow.settings)
    if resource_type == "Patient":
        return await _patient(uow, fhir_id, version, config)
    if resource_type == "MedicationRequest":
        _, regimen = await record_json(uow, REGIMEN, uuid_of(fhir_id, "regimen"), version)
        return medication_request(regimen, config, today=uow.settings.today())
    if resource_type == "MedicationAdministration":
        return await _administration(uow, fhir_id, version, config)
    if resource_type == "Observation":
        return await _observation(uow, fhir_id, version, config)
    if resource_type in ("Flag", "DetectedIssue") and version is None:
        return await _flag(uow, resource_type, fhir_id, config)
    raise NotFound(f"no {resource_type} with this id")


async def _patient(
    uow: UnitOfWork, fhir_id: str, version: int | None, config: FhirConfig
) -> Resource:
    row, patient = await record_json(uow, PATIENT, uuid_of(fhir_id, "patient"), version)
    if row.entered_in_error:
        raise Gone("Patient", "this patient was entered in error")
    return patient_resource(patient, config)


async def _administration(
    uow: UnitOfWork, fhir_id: str, version: int | None, config: FhirConfig
) -> Resource:
    row, infusion = await record_json(uow, INFUSION, uuid_of(fhir_id, "infusion"), version)
    regimen = await records.get(uow, REGIMEN, row.regimen_id)  # drug and route never change
    return medication_administration(infusion, (await shown(uow, REGIMEN, [regimen]))[0], config)


async def _observation(
    uow: UnitOfWork, fhir_id: str, version: int | None, config: FhirConfig
) -> Resource:
    """A lab result (its UUID), an assessment panel (its UUID) or one item of an assessment
    (`{assessment id}-{item}`)."""
    item = ids.assessment_item(fhir_id)
    if item is not None:
        _, assessment = await record_json(uow, ASSESSMENT, uuid.UUID(item[0]), version)
        found = assessment_item(assessment, item[1], config)
        if found is None:
            raise NotFound("this assessment did not record this item")
        return found
    record_id = uuid_of(fhir_id, "observation")
    try:
        await records.get(uow, LAB_RESULT, record_id)
    except NotFound:
        _, assessment = await record_json(uow, ASSESSMENT, record_id, version)
        return assessment_observations(assessment, config)[0]
    _, lab = await record_json(uow, LAB_RESULT, record_id, version)
    return lab_observation(lab, config, corrected=is_corrected(lab))


async def status_json(uow: UnitOfWork, patient_id: uuid.UUID) -> tuple[Json, list[Json]]:
    """The patient's status today (as GET /v1/patients/{id}/status shows it) and the
    history of its flags (for Flag.period)."""
    result = await status.evaluate(uow, patient_id, None)
    shown_status = StatusRead.model_validate({**vars(result), "patient_id": patient_id})
    _, changes = await status.history(uow, patient_id, None)
    history = [
        {"flag": c.flag, "to": c.to_status, "effective_date": c.effective_date.isoformat()}
        for c in changes
    ]
    return shown_status.model_dump(mode="json"), history


async def _flag(uow: UnitOfWork, resource_type: str, fhir_id: str, config: FhirConfig) -> Resource:
    found = ids.flag_of(fhir_id, evidence=resource_type == "DetectedIssue")
    if found is None:
        raise NotFound(f"no {resource_type} with this id")
    patient_id, flag = found
    current, history = await status_json(uow, uuid.UUID(patient_id))
    if resource_type == "Flag":
        return flag_resource(current, flag, config, history=history)
    return detected_issue(current, flag, config)
