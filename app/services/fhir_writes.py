"""FHIR creates: a posted Observation (lab) or MedicationAdministration, conditionally by
identifier, and transaction Bundles, mapped by app.fhir and stored by the /v1 services in
the request's one unit of work (a transaction's first refusal rolls every entry back)."""

import uuid
from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from app.errors import DomainError, NotFound
from app.fhir.bundles import EntryResult, transaction_response
from app.fhir.config import FhirConfig
from app.fhir.errors import FhirError, InvalidRequest, MappingError
from app.fhir.inbound import infusion_from_fhir
from app.fhir.inbound_lab import lab_result_from_fhir
from app.fhir.labs import lab_observation
from app.fhir.medication import medication_administration
from app.fhir.outcome import Issue, expression_for, outcome_from_problem
from app.fhir.parsing import Inbound, Ref
from app.fhir.patient import patient_resource
from app.fhir.transaction import (
    TransactionEntry,
    apply_if_none_exist,
    creation_order,
    parse_if_none_exist,
    parse_transaction,
)
from app.schemas.infusion import InfusionCreate
from app.schemas.lab_result import LabResultCreate
from app.schemas.patient import PatientCreate
from app.services import infusions, lab_results, patients, records
from app.services.fhir_reads import fhir_config, is_corrected, shown
from app.services.resources import INFUSION, LAB_RESULT, PATIENT, REGIMEN
from app.services.uow import UnitOfWork

Body = TypeVar("Body", bound=BaseModel)
Placeholders = dict[str, uuid.UUID]  # a transaction entry's fullUrl -> the record it made
MAPPERS = {"Observation": lab_result_from_fhir, "MedicationAdministration": infusion_from_fhir}


class EntryFailed(Exception):
    """A transaction entry refused by a /v1 service: its status, and the OperationOutcome
    naming the elements of `Bundle.entry[i].resource` (nothing of the Bundle is stored)."""

    def __init__(self, error: DomainError, entry: TransactionEntry) -> None:
        super().__init__(error.detail)
        self.status = error.status
        kind = entry.inbound.resource_type
        problem = {"status": error.status, "detail": error.detail, "errors": _errors(error)}
        outcome = outcome_from_problem(problem, kind)
        prefix = f"Bundle.entry[{entry.index}].resource"
        for issue in outcome["issue"]:
            issue["expression"] = [
                prefix + e.removeprefix(kind) for e in issue.get("expression", [kind])
            ]
        self.outcome = outcome


def _errors(error: DomainError) -> list[dict[str, Any]]:
    loc = getattr(error, "loc", ())
    return [{"loc": list(loc), "msg": error.detail}] if loc else []


async def create(
    uow: UnitOfWork, resource_type: str, data: object, if_none_exist: str | None
) -> EntryResult:
    """POST /fhir/{type}: 201 with the new resource, or 200 with the stored one when an
    identical resource has this identifier (If-None-Exist, or the identifier it carries)."""
    config = fhir_config(uow.settings)
    inbound = MAPPERS[resource_type](data, config)
    if if_none_exist is not None:
        inbound = apply_if_none_exist(inbound, parse_if_none_exist(if_none_exist), config)
    return await _create(uow, inbound, {}, config)


async def transaction(
    uow: UnitOfWork, data: object, *, server: str, with_resources: bool
) -> dict[str, Any]:
    """POST /fhir with a transaction Bundle: every entry, or none."""
    config = fhir_config(uow.settings)
    entries = parse_transaction(data, config)
    made: Placeholders = {}
    results: dict[int, EntryResult] = {}
    for entry in creation_order(entries):
        try:
            result = await _create(uow, entry.inbound, made, config)
        except FhirError as error:
            kind = entry.inbound.resource_type
            raise error.relocated(kind, f"Bundle.entry[{entry.index}].resource") from None
        except DomainError as error:
            raise EntryFailed(error, entry) from None
        results[entry.index] = result
        if entry.full_url is not None:
            made[entry.full_url] = uuid.UUID(result.resource["id"])
    patients_written = {_subject(r.resource) for r in results.values()}
    uow.audit.about("bundle")
    uow.audit.listed((uuid.UUID(p), None) for p in sorted(patients_written))
    ordered = [results[index] for index in sorted(results)]
    return transaction_response(ordered, server=server, with_resources=with_resources)


def _subject(resource: Mapping[str, Any]) -> str:
    if resource["resourceType"] == "Patient":
        return str(resource["id"])
    return str(resource["subject"]["reference"]).removeprefix("Patient/")


async def _create(
    uow: UnitOfWork,
    inbound: Inbound,
    made: Placeholders,
    config: FhirConfig,
) -> EntryResult:
    if inbound.resource_type == "Patient":
        return await _patient(uow, inbound, config)
    if inbound.resource_type == "Observation":
        return await _lab(uow, inbound, made, config)
    return await _administration(uow, inbound, made, config)


async def _lab(
    uow: UnitOfWork, inbound: Inbound, made: Placeholders, config: FhirConfig
) -> EntryResult:
    patient_id = await _patient_id(uow, inbound.patient, made, "Observation.subject")
    saved = await lab_results.create(uow, patient_id, _body(LabResultCreate, inbound))
    lab = (await shown(uow, LAB_RESULT, [saved.row]))[0]
    resource = lab_observation(lab, config, corrected=is_corrected(lab))
    return EntryResult(201 if saved.created else 200, resource)


async def _administration(
    uow: UnitOfWork, inbound: Inbound, made: Placeholders, config: FhirConfig
) -> EntryResult:
    where = "MedicationAdministration"
    regimen_id = _regimen_id(inbound.regimen)
    regimen = await records.get_live(uow, REGIMEN, regimen_id)
    patient_id = await _patient_id(uow, inbound.patient, made, f"{where}.subject")
    if patient_id != regimen.patient_id:
        message = "the subject is not the patient of the MedicationRequest"
        raise MappingError(f"{where}.subject", message, code="value")
    if inbound.drug != regimen.drug:
        message = "the medication is not the drug of the MedicationRequest"
        raise MappingError(f"{where}.medicationCodeableConcept", message, code="value")
    saved = await infusions.create(uow, regimen_id, _body(InfusionCreate, inbound))
    infusion = (await shown(uow, INFUSION, [saved.row]))[0]
    shown_regimen = (await shown(uow, REGIMEN, [regimen]))[0]
    resource = medication_administration(infusion, shown_regimen, config)
    return EntryResult(201 if saved.created else 200, resource)


async def _patient(uow: UnitOfWork, inbound: Inbound, config: FhirConfig) -> EntryResult:
    """A conditional create by MRN: the patient the caller sees with it, else a new one."""
    try:
        existing = await patients.by_mrn(uow, inbound.body["mrn"])
    except NotFound:
        saved = await patients.create(uow, _body(PatientCreate, inbound))
        return EntryResult(
            201, patient_resource((await shown(uow, PATIENT, [saved.row]))[0], config)
        )
    return EntryResult(200, patient_resource((await shown(uow, PATIENT, [existing]))[0], config))


async def _patient_id(
    uow: UnitOfWork, ref: Ref | None, made: Placeholders, where: str
) -> uuid.UUID:
    if ref is None:  # the mappers require a subject; kept for the type checker
        raise MappingError(where, "a subject is required", code="required")
    if ref.placeholder is not None:
        return _placeholder(ref.placeholder, made, where)
    if ref.identifier is not None:
        return (await patients.by_mrn(uow, ref.identifier[1])).id
    return uuid.UUID(ref.id)


def _regimen_id(ref: Ref | None) -> uuid.UUID:
    where = "MedicationAdministration.request"
    if ref is None or ref.identifier is not None or ref.placeholder is not None:
        message = "reference the MedicationRequest by its id (MedicationRequest/<id>)"
        raise MappingError(where, message, code="not-supported")
    return uuid.UUID(ref.id)


def _placeholder(placeholder: str, made: Placeholders, where: str) -> uuid.UUID:
    if placeholder not in made:
        message = "urn:uuid references name entries of the same transaction Bundle"
        raise InvalidRequest(f"{where}.reference", message, code="not-found")
    return made[placeholder]


def _body(model: type[Body], inbound: Inbound) -> Body:
    """Our create body, validated as /v1 validates it; its refusals name FHIR elements."""
    try:
        return model.model_validate(inbound.body)
    except ValidationError as error:
        kind = inbound.resource_type
        issues = tuple(
            Issue("value", str(e["msg"]), (expression_for(kind, ["body", *e["loc"]]),))
            for e in error.errors()
        )
        refused = MappingError(None, f"the {kind} does not make a valid record")
        refused.issues = issues
        raise refused from None
