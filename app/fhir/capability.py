"""The CapabilityStatement, built from a description of what the server implements, so
`GET /fhir/metadata` lists exactly that."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.fhir.datatypes import Resource, instant

BULK_DATA = "http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data"
SECURITY_SERVICE = "http://terminology.hl7.org/CodeSystem/restful-security-service"
EVERYTHING = ("everything", "http://hl7.org/fhir/OperationDefinition/Patient-everything")
EXPORT = ("export", "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export")
PATIENT_EXPORT = ("export", "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/patient-export")
GROUP_EXPORT = ("export", "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/group-export")


@dataclass(frozen=True, slots=True)
class SearchParam:
    name: str
    type: str  # FHIR search-param-type: token, reference, date, string, ...
    documentation: str = ""


@dataclass(frozen=True, slots=True)
class ResourceSupport:
    """What is served for one resource type. Interactions are FHIR type-restful-
    interaction codes (read, vread, search-type, create); vread means versioned."""

    type: str
    interactions: tuple[str, ...] = ()
    search_params: tuple[SearchParam, ...] = ()
    conditional_create: bool = False
    operations: tuple[tuple[str, str], ...] = ()  # (name, OperationDefinition canonical)


@dataclass(frozen=True, slots=True)
class ServerSupport:
    resources: tuple[ResourceSupport, ...]
    system_interactions: tuple[str, ...] = ()  # transaction, batch, ...
    system_operations: tuple[tuple[str, str], ...] = ()
    smart: bool = False  # tokens from an identity provider, SMART Backend Services


def capability_statement(
    support: ServerSupport, *, server_url: str, software_version: str, date: datetime
) -> Resource:
    """An instance CapabilityStatement (FHIR 4.0.1, JSON) of `support` at `server_url`."""
    operations = [*support.system_operations, *(o for r in support.resources for o in r.operations)]
    statement: Resource = {"resourceType": "CapabilityStatement", "status": "active"}
    if any(op in (EXPORT, PATIENT_EXPORT, GROUP_EXPORT) for op in operations):
        statement["instantiates"] = [BULK_DATA]
    statement.update(
        {
            "date": instant(date),
            "kind": "instance",
            "software": {"name": "treatment-records", "version": software_version},
            "implementation": {"description": "treatment-records FHIR R4", "url": server_url},
            "fhirVersion": "4.0.1",
            "format": ["json", "application/fhir+json"],
            "rest": [_rest(support)],
        }
    )
    return statement


def _rest(support: ServerSupport) -> dict[str, Any]:
    rest: dict[str, Any] = {"mode": "server"}
    if support.smart:
        service = {"coding": [{"system": SECURITY_SERVICE, "code": "SMART-on-FHIR"}]}
        rest["security"] = {"service": [service]}
    rest["resource"] = [_resource(r) for r in support.resources]
    if support.system_interactions:
        rest["interaction"] = [{"code": code} for code in support.system_interactions]
    if support.system_operations:
        rest["operation"] = _operations(support.system_operations)
    return rest


def _resource(support: ResourceSupport) -> dict[str, Any]:
    versioned = "vread" in support.interactions
    found: dict[str, Any] = {"type": support.type}
    if support.interactions:
        found["interaction"] = [{"code": code} for code in support.interactions]
        found["versioning"] = "versioned" if versioned else "no-version"
        found["readHistory"] = versioned
    if "create" in support.interactions:
        found["conditionalCreate"] = support.conditional_create
    if support.search_params:
        found["searchParam"] = [_param(p) for p in support.search_params]
    if support.operations:
        found["operation"] = _operations(support.operations)
    return found


def _param(param: SearchParam) -> dict[str, str]:
    found = {"name": param.name, "type": param.type}
    if param.documentation:
        found["documentation"] = param.documentation
    return found


def _operations(operations: Sequence[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"name": name, "definition": definition} for name, definition in operations]


PATIENT = SearchParam("patient", "reference", "Patient/{id} or {id}")
READ = ("read", "vread")
INTEROP_RESOURCES = (
    ResourceSupport(
        "Patient",
        (*READ, "search-type"),
        (
            SearchParam("identifier", "token", "system|value (the MRN system)"),
            SearchParam("_id", "token"),
        ),
        operations=(EVERYTHING, PATIENT_EXPORT),
    ),
    ResourceSupport(
        "Observation",
        (*READ, "search-type", "create"),
        (
            PATIENT,
            SearchParam("code", "token", "system|code (LOINC)"),
            SearchParam("date", "date", "eq, ge, gt, le, lt; repeatable"),
            SearchParam("category", "token", "laboratory, exam, vital-signs"),
        ),
        conditional_create=True,
    ),
    ResourceSupport(
        "MedicationRequest", (*READ, "search-type"), (PATIENT, SearchParam("status", "token"))
    ),
    ResourceSupport(
        "MedicationAdministration",
        (*READ, "search-type", "create"),
        (PATIENT,),
        conditional_create=True,
    ),
    ResourceSupport("Flag", ("read", "search-type"), (PATIENT,)),  # computed: no vread
    ResourceSupport("DetectedIssue", ("read",)),
)


def interop_support(*, tenancy: bool, smart: bool) -> ServerSupport:
    """Everything interop.md asks for (group export only under tenancy): what the metadata
    route states, less any operation no route of the app serves."""
    group = (ResourceSupport("Group", operations=(GROUP_EXPORT,)),) if tenancy else ()
    return ServerSupport(
        resources=(*INTEROP_RESOURCES, *group),
        system_interactions=("transaction",),
        system_operations=(EXPORT,),
        smart=smart,
    )
