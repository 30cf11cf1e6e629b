"""Posted MedicationAdministration and Patient -> our infusion and patient create bodies."""

from datetime import date
from typing import Any

from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.humanname import HumanName
from fhir.resources.R4B.medicationadministration import MedicationAdministration
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient

from app.catalog import drugs
from app.fhir.codes import ATC, BODY_WEIGHT, GENDERS, INFUSION_STATUS, LOINC
from app.fhir.config import FhirConfig
from app.fhir.errors import MappingError
from app.fhir.parsing import (
    Inbound,
    external_id,
    moment,
    reference_to,
    ucum_quantity,
    validated,
)

MA = "MedicationAdministration"


def infusion_from_fhir(data: object, config: FhirConfig) -> Inbound:
    """MedicationAdministration -> infusion body; `request` names the regimen
    (MedicationRequest), the medication a catalogue drug (ATC or our code), the dose is in
    mg, the weight a contained body-weight Observation in kg."""
    administration = validated(MedicationAdministration, data)
    status = INFUSION_STATUS.get(administration.status or "")
    if status is None:
        message = "status must be completed, stopped (interrupted) or not-done (cancelled)"
        raise MappingError(f"{MA}.status", message, code="value")
    body: dict[str, Any] = {
        "administered_at": _administered_at(administration),
        "dose_mg": _dose_mg(administration),
        "status": status,
    }
    weight = _weight_kg(administration)
    if weight is not None:
        body["weight_kg"] = weight
    sender_id = external_id(administration.identifier, f"{MA}.identifier", config)
    if sender_id:
        body["external_id"] = sender_id
    return Inbound(
        MA,
        body,
        patient=reference_to(administration.subject, f"{MA}.subject", "Patient", config),
        regimen=reference_to(administration.request, f"{MA}.request", "MedicationRequest", config),
        drug=_drug(administration, config),
    )


def _administered_at(administration: MedicationAdministration) -> str:
    period = administration.effectivePeriod
    if period is not None:
        # An infusion's period: the administration is dated by its start.
        return moment(period.start, f"{MA}.effectivePeriod.start")
    return moment(administration.effectiveDateTime, f"{MA}.effectiveDateTime")


def _drug(administration: MedicationAdministration, config: FhirConfig) -> str:
    if administration.medicationCodeableConcept is None:
        message = "name the drug in medicationCodeableConcept (ATC or catalogue code)"
        raise MappingError(f"{MA}.medicationReference", message, code="not-supported")
    return drug_code(
        administration.medicationCodeableConcept, f"{MA}.medicationCodeableConcept", config
    )


def drug_code(medication: CodeableConcept, expression: str, config: FhirConfig) -> str:
    """The catalogue drug named by an ATC coding or a coding of our drug code system."""
    systems = {ATC: {drug.atc: code for code, drug in drugs().items()}}
    systems[config.code_system("drug")] = {code: code for code in drugs()}
    named = [(i, c) for i, c in enumerate(medication.coding or []) if c.system in systems]
    found = {systems[c.system or ""].get(c.code or "") for _, c in named} - {None}
    if not found:
        where = f"{expression}.coding[{named[0][0]}].code" if named else f"{expression}.coding"
        raise MappingError(where, "not a drug of the catalogue (ATC or our drug code system)")
    if len(found) > 1:
        raise MappingError(f"{expression}.coding", "the codings name different drugs", code="value")
    return str(found.pop())


def _dose_mg(administration: MedicationAdministration) -> int | float:
    dosage = administration.dosage
    expression = f"{MA}.dosage.dose"
    if dosage is None or dosage.dose is None:
        raise MappingError(expression, "the dose given (mg) is required", code="required")
    value, unit, comparator = ucum_quantity(dosage.dose, expression)
    if unit != "mg" or comparator is not None:
        raise MappingError(f"{expression}.code", "the dose must be an exact quantity in mg")
    return value


def _weight_kg(administration: MedicationAdministration) -> int | float | None:
    """The contained body-weight Observation that supportingInformation points at."""
    contained = {r.id: (i, r) for i, r in enumerate(administration.contained or [])}
    weights = []
    for n, support in enumerate(administration.supportingInformation or []):
        target = support.reference or ""
        if not target.startswith("#"):
            continue
        if target[1:] not in contained:
            message = "no contained resource has this id"
            raise MappingError(f"{MA}.supportingInformation[{n}]", message, code="invalid")
        index, resource = contained[target[1:]]
        if isinstance(resource, Observation) and _is_body_weight(resource):
            weights.append((index, resource))
    if len(weights) > 1:
        message = "at most one body weight"
        raise MappingError(f"{MA}.supportingInformation", message, code="value")
    return _kg(*weights[0]) if weights else None


def _is_body_weight(observation: Observation) -> bool:
    codes = observation.code.coding or []
    return any(c.system == LOINC and c.code == BODY_WEIGHT[0] for c in codes)


def _kg(index: int, observation: Observation) -> int | float:
    expression = f"{MA}.contained[{index}].valueQuantity"
    value, unit, comparator = ucum_quantity(observation.valueQuantity, expression)
    if unit != "kg" or comparator is not None:
        raise MappingError(f"{expression}.code", "the weight must be an exact quantity in kg")
    return value


def patient_from_fhir(data: object, config: FhirConfig) -> Inbound:
    """Patient -> patient body: the MRN identifier, gender, full birthDate, name, and under
    tenancy the organization of managingOrganization (a logical reference by code)."""
    patient = validated(Patient, data)
    if patient.gender not in GENDERS:
        raise MappingError("Patient.gender", "gender is required", code="required")
    if not isinstance(patient.birthDate, date):
        message = "a full birthDate (YYYY-MM-DD) is required"
        raise MappingError("Patient.birthDate", message, code="required")
    body: dict[str, Any] = {
        "mrn": _mrn(patient, config),
        "sex": patient.gender,
        "birth_date": patient.birthDate.isoformat(),
    }
    body.update(_name(patient.name or []))
    organization = _organization(patient, config) if config.tenancy else None
    if organization:
        body["organization"] = organization
    return Inbound("Patient", body)


def _mrn(patient: Patient, config: FhirConfig) -> str:
    values = {
        i.value for i in patient.identifier or [] if i.system == config.mrn_system and i.value
    }
    if len(values) != 1:
        message = f"exactly one identifier with system {config.mrn_system} (the MRN) is required"
        raise MappingError(
            "Patient.identifier", message, code="required" if not values else "value"
        )
    return values.pop()


def _name(names: list[HumanName]) -> dict[str, str]:
    """The official name, else the usual one, else the first."""
    preferred = sorted(names, key=lambda n: {"official": 0, "usual": 1}.get(n.use or "", 2))
    if not preferred:
        return {}
    given = " ".join(part for part in preferred[0].given or [] if part)
    found = {"given_name": given, "family_name": preferred[0].family}
    return {key: value for key, value in found.items() if value}


def _organization(patient: Patient, config: FhirConfig) -> str | None:
    managing = patient.managingOrganization
    if managing is None:
        return None
    identifier = managing.identifier
    if (
        identifier is None
        or identifier.system != config.organization_system
        or not identifier.value
    ):
        message = f"reference the organization by identifier (system {config.organization_system})"
        raise MappingError("Patient.managingOrganization", message, code="value")
    return identifier.value
