"""Patient and its diagnoses (Condition) from our patient read shape."""

from typing import Any

from app.fhir.codes import (
    CONDITION_CLINICAL,
    CONDITION_VERIFICATION,
    DIAGNOSIS_SYSTEMS,
    IDENTIFIER_TYPE,
)
from app.fhir.config import FhirConfig
from app.fhir.datatypes import (
    Record,
    Resource,
    coding,
    concept,
    day,
    in_error,
    meta,
    reference,
    with_optional,
)
from app.fhir.ids import condition_id


def patient_resource(patient: Record, config: FhirConfig) -> Resource:
    """Patient: MRN identifier, gender, birthDate, name; managingOrganization under tenancy.
    A patient entered in error is `active: false` (a read of it answers 410 anyway)."""
    resource: Resource = {
        "resourceType": "Patient",
        "id": str(patient["id"]),
        "meta": meta(patient),
        "identifier": [_mrn(patient["mrn"], config)],
        "active": not in_error(patient),
        "gender": patient["sex"],
        "birthDate": day(patient["birth_date"]),
    }
    organization = patient.get("organization")
    managing = _organization(organization, config) if config.tenancy and organization else None
    return with_optional(resource, name=_names(patient), managingOrganization=managing)


def _mrn(mrn: str, config: FhirConfig) -> dict[str, Any]:
    return {
        "use": "usual",
        "type": concept(coding(IDENTIFIER_TYPE, "MR", "Medical record number")),
        "system": config.mrn_system,
        "value": mrn,
    }


def _names(patient: Record) -> list[dict[str, Any]]:
    given, family = patient.get("given_name"), patient.get("family_name")
    if not given and not family:
        return []
    name: dict[str, Any] = {"use": "official"}
    return [with_optional(name, family=family, given=[given] if given else None)]


def _organization(code: str, config: FhirConfig) -> dict[str, Any]:
    """A logical reference: organizations are codes here, not served as resources."""
    return {"identifier": {"system": config.organization_system, "value": code}, "display": code}


def condition_resources(patient: Record, config: FhirConfig) -> list[Resource]:
    """One Condition per diagnosis (ids `{patient id}-condition-{n}`), ICD-10 coded."""
    return [_condition(patient, index, dx) for index, dx in enumerate(patient["diagnoses"])]


def _condition(patient: Record, index: int, diagnosis: Record) -> Resource:
    resource: Resource = {
        "resourceType": "Condition",
        "id": condition_id(patient["id"], index),
        "meta": meta(patient),
    }
    if in_error(patient):
        # con-5: no clinicalStatus on a Condition entered in error.
        status = concept(coding(CONDITION_VERIFICATION, "entered-in-error"))
        resource["verificationStatus"] = status
    else:
        resource["clinicalStatus"] = concept(coding(CONDITION_CLINICAL, "active"))
    resource["code"] = _diagnosis_code(diagnosis)
    resource["subject"] = reference("Patient", patient["id"])
    onset = diagnosis.get("onset_date")
    return with_optional(resource, onsetDateTime=day(onset) if onset else None)


def _diagnosis_code(diagnosis: Record) -> dict[str, Any]:
    system, code = diagnosis["system"], diagnosis["code"]
    uri = DIAGNOSIS_SYSTEMS.get(system.lower())
    if uri is None:
        # A system we cannot name by URI is kept as text rather than given a made-up URI.
        return {"text": f"{system} {code}"}
    return concept(coding(uri, code), text=code)
