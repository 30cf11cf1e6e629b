"""FHIR R4 at /fhir, reading: metadata, read, vread, search, Patient/$everything. Thin: each
route calls one service function and answers application/fhir+json."""

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from fastapi import HTTPException, Request, Response
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts

from app import __version__
from app.api.deps import ReadUoW, api_router
from app.api.routes.fhir_outcomes import FhirResponse, outcomes, resource_answer
from app.fhir.bundles import etag
from app.fhir.capability import (
    INTEROP_RESOURCES,
    ServerSupport,
    capability_statement,
    interop_support,
)
from app.fhir.datatypes import Resource
from app.fhir.search import check_format, prefer_handling
from app.schemas.common import Problem
from app.security import SMART_ALIASES
from app.services import fhir_everything, fhir_reads, fhir_search

router = api_router(prefix="/fhir", tags=["FHIR R4"], default_response_class=FhirResponse)
well_known = api_router(tags=["FHIR R4"])
READABLE = ("Patient", "MedicationRequest", "MedicationAdministration", "Observation")
COMPUTED = ("Flag", "DetectedIssue")  # the flags and their evidence: no versions
SEARCHABLE = ("Patient", "Observation", "MedicationRequest", "MedicationAdministration", "Flag")
_STARTED = datetime.now(UTC).replace(microsecond=0)  # the CapabilityStatement's date


def server_url(request: Request) -> str:
    """The /fhir base URL as the client reached it (fullUrl, links, Location)."""
    return str(request.base_url).rstrip("/") + "/fhir"


def resource_response(resource: Resource, status: int = 200, **headers: str) -> Response:
    """A resource with its ETag and Last-Modified (when it is a stored version)."""
    version = resource.get("meta", {}).get("versionId")
    if version is not None:
        headers["ETag"] = etag(version)
    return FhirResponse(resource, status_code=status, headers=headers)


@router.get(
    "/metadata",
    openapi_extra={"security": []},  # no token needed
    operation_id="fhirCapabilities",
    responses={
        200: resource_answer("The CapabilityStatement: what this server implements"),
        400: outcomes()[400],
    },
)
async def metadata(request: Request) -> Any:
    """The CapabilityStatement (no token needed)."""
    check_format(request.query_params.get("_format"))
    support = served_support(request)
    statement = capability_statement(
        support, server_url=server_url(request), software_version=__version__, date=_STARTED
    )
    return FhirResponse(statement)


def served_support(request: Request) -> ServerSupport:
    """What interop.md lists (`interop_support`), less any operation no route of this app
    serves: the statement lists exactly what is implemented. The paths are the route
    contexts': `app.routes` lists each included router as one entry, without a path."""
    paths = {context.path or "" for context in iter_route_contexts(request.app.routes)}

    def served(operation: tuple[str, str], resource_type: str | None) -> bool:
        if operation[0] != "export":
            return True
        if resource_type is None:
            return "/fhir/$export" in paths
        return any(
            p.startswith(f"/fhir/{resource_type}/") and p.endswith("/$export") for p in paths
        )

    settings = request.app.state.settings
    support = interop_support(
        tenancy=settings.tenancy, smart=settings.smart_token_endpoint is not None
    )
    resources = tuple(
        replace(r, operations=tuple(o for o in r.operations if served(o, r.type)))
        for r in support.resources
    )
    system = tuple(o for o in support.system_operations if served(o, None))
    return replace(support, resources=resources, system_operations=system)


@well_known.get(
    "/.well-known/smart-configuration",
    openapi_extra={"security": []},
    operation_id="smartConfiguration",
    responses={404: {"model": Problem, "description": "No identity provider is configured"}},
)
async def smart_configuration(request: Request) -> Any:
    """Where a SMART Backend Services client gets its token (no token needed)."""
    endpoint = request.app.state.settings.smart_token_endpoint
    if endpoint is None:
        raise HTTPException(404, "no identity provider is configured (TR_SMART_TOKEN_ENDPOINT)")
    return JSONResponse(
        {
            "token_endpoint": endpoint,
            "grant_types_supported": ["client_credentials"],
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            "scopes_supported": sorted(SMART_ALIASES),
            "capabilities": ["client-confidential-asymmetric", "permission-v2"],
        }
    )


def _add_read(resource_type: str, *, versioned: bool) -> None:
    @router.get(
        f"/{resource_type}/{{resource_id}}",
        operation_id=f"fhirRead{resource_type}",
        summary=f"Read a {resource_type}",
        responses={200: resource_answer(resource_type), **outcomes(404, 410)},
    )
    async def read(resource_id: str, uow: ReadUoW) -> Any:
        return resource_response(await fhir_reads.read(uow, resource_type, resource_id))

    if not versioned:
        return

    @router.get(
        f"/{resource_type}/{{resource_id}}/_history/{{version_id}}",
        operation_id=f"fhirVread{resource_type}",
        summary=f"Read one stored version of a {resource_type}",
        responses={200: resource_answer(resource_type), **outcomes(404, 410)},
    )
    async def vread(resource_id: str, version_id: str, uow: ReadUoW) -> Any:
        version = int(version_id) if version_id.isdigit() and len(version_id) < 10 else 0
        return resource_response(await fhir_reads.read(uow, resource_type, resource_id, version))


def _query(name: str, description: str, **schema: Any) -> dict[str, Any]:
    found = {"type": "string", **schema}
    return {"name": name, "in": "query", "description": description, "schema": found}


PAGING = [
    _query("_count", "page size (more than 500 is served as 500)", type="integer", minimum=1),
    _query("_cursor", "the next page's position (from link next)"),
    _query("_format", "json only", enum=["json", "application/json", "application/fhir+json"]),
]


def _parameters(resource_type: str) -> dict[str, Any]:
    """The search parameters interop.md lists, as the CapabilityStatement declares them."""
    support = next(r for r in INTEROP_RESOURCES if r.type == resource_type)
    params = [_query(p.name, p.documentation or p.type) for p in support.search_params]
    return {"parameters": [*params, *PAGING]}


def _add_search(resource_type: str) -> None:
    @router.get(
        f"/{resource_type}",
        openapi_extra=_parameters(resource_type),
        operation_id=f"fhirSearch{resource_type}",
        summary=f"Search {resource_type} (Bundle searchset, cursor paged)",
        responses={200: resource_answer("Bundle searchset"), **outcomes(422)},
    )
    async def search(request: Request, uow: ReadUoW) -> Any:
        strict = prefer_handling(request.headers.get("prefer")) == "strict"
        params = request.query_params.multi_items()
        found = await fhir_search.search(
            uow, resource_type, params, server=server_url(request), strict=strict
        )
        return FhirResponse(found)


@router.get(
    "/Patient/{resource_id}/$everything",
    openapi_extra={"parameters": PAGING},
    operation_id="fhirPatientEverything",
    responses={200: resource_answer("Bundle searchset"), **outcomes(404, 410)},
)
async def everything(resource_id: str, request: Request, uow: ReadUoW) -> Any:
    """Everything about a patient: Patient, Conditions, MedicationRequests,
    MedicationAdministrations, Observations, Flags, DetectedIssues; paged (`_count`)."""
    params = request.query_params.multi_items()
    found = await fhir_everything.everything(uow, resource_id, params, server=server_url(request))
    return FhirResponse(found)


for _type in (*READABLE, *COMPUTED):
    _add_read(_type, versioned=_type in READABLE)
for _type in SEARCHABLE:
    _add_search(_type)
