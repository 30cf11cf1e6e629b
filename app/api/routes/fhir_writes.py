"""FHIR R4 at /fhir, writing: create of Observation (labs) and MedicationAdministration,
conditional by identifier, and transaction Bundles (all or nothing). The same scopes,
unit of work, audit, Idempotency-Key and least exposure as /v1."""

import json
from typing import Any

from fastapi import Request, Response

from app.api.deps import Idempotent, LabWriteUoW, WriteUoW, api_router
from app.api.responses import may_read
from app.api.routes.fhir import resource_response, server_url
from app.api.routes.fhir_outcomes import (
    FhirResponse,
    UnsupportedMediaType,
    outcomes,
    resource_answer,
)
from app.fhir.bundles import etag, location
from app.fhir.errors import InvalidRequest
from app.services import fhir_writes, idempotency
from app.services.uow import StoredAnswer, UnitOfWork

router = api_router(prefix="/fhir", tags=["FHIR R4"], default_response_class=FhirResponse)
JSON_TYPES = ("application/fhir+json", "application/json")
BODY = {
    "requestBody": {
        "required": True,
        "content": {t: {"schema": {"type": "object"}} for t in JSON_TYPES},
    }
}
CREATED: dict[int | str, dict[str, Any]] = {
    201: resource_answer("Created (the body: the resource, unless Prefer: return=minimal)"),
    200: resource_answer("A resource with this identifier and the same content existed"),
}


async def fhir_body(request: Request) -> object:
    """The posted JSON (FHIR JSON or plain JSON), or a 415 / 400 OperationOutcome."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind not in JSON_TYPES:
        raise UnsupportedMediaType(None, "send application/fhir+json")
    try:
        return json.loads(await request.body())
    except (ValueError, RecursionError):
        raise InvalidRequest(None, "the body is not JSON", code="structure") from None


def minimal(request: Request, uow: UnitOfWork) -> bool:
    """No resource in the answer: asked for (Prefer: return=minimal), or a caller that may
    not read records (least exposure: a laboratory interface gets status and Location)."""
    prefer = request.headers.get("prefer", "").replace(" ", "")
    return "return=minimal" in prefer.split(",") or not may_read(uow)


def answer(request: Request, uow: UnitOfWork, stored: StoredAnswer, *, replay: bool) -> Response:
    headers = {"Idempotent-Replayed": "true"} if replay else {}
    if stored.location:
        headers["Location"] = stored.location
    version = stored.body.get("meta", {}).get("versionId")
    if version is not None:
        headers["ETag"] = etag(version)
    if minimal(request, uow):
        return Response(status_code=stored.status, headers=headers)
    return resource_response(stored.body, stored.status, **headers)


async def _created(request: Request, uow: UnitOfWork, resource_type: str) -> Response:
    if uow.replay is not None:
        uow.audit.status = uow.replay.status
        return answer(request, uow, uow.replay, replay=True)
    data = await fhir_body(request)
    result = await fhir_writes.create(
        uow, resource_type, data, request.headers.get("if-none-exist")
    )
    where = f"{server_url(request)}/{location(result.resource)}"
    stored = StoredAnswer(result.status, result.resource, where)
    uow.audit.status = stored.status
    idempotency.remember(uow, stored)
    return answer(request, uow, stored, replay=False)


def _add_create(resource_type: str, uow_type: Any, description: str) -> None:
    @router.post(
        f"/{resource_type}",
        dependencies=[Idempotent],
        operation_id=f"fhirCreate{resource_type}",
        summary=f"Create: {resource_type}",
        description=description,
        openapi_extra=BODY,
        responses={**CREATED, **outcomes(404, 409, 413, 415, 422)},
        status_code=201,
    )
    async def create(request: Request, uow: uow_type) -> Any:
        return await _created(request, uow, resource_type)


# Lab results: a laboratory interface's scope (labs:write) or records:write, as on /v1.
_add_create(
    "Observation",
    LabWriteUoW,
    "A lab result; conditional with If-None-Exist: identifier=system|value (external_id).",
)
_add_create(
    "MedicationAdministration",
    WriteUoW,
    "An infusion of a MedicationRequest (request); conditional with If-None-Exist.",
)


@router.post(
    "",
    dependencies=[Idempotent],
    operation_id="fhirTransaction",
    openapi_extra=BODY,
    responses={
        200: resource_answer("Bundle transaction-response, in entry order"),
        **outcomes(404, 409, 413, 415, 422),
    },
)
async def transaction(request: Request, uow: WriteUoW) -> Any:
    """A transaction Bundle of creates (Patient by MRN, Observation,
    MedicationAdministration): every entry in one database transaction, or none."""
    if uow.replay is not None:
        uow.audit.status = uow.replay.status
        return FhirResponse(uow.replay.body, headers={"Idempotent-Replayed": "true"})
    data = await fhir_body(request)
    bundle = await fhir_writes.transaction(
        uow, data, server=server_url(request), with_resources=not minimal(request, uow)
    )
    idempotency.remember(uow, StoredAnswer(200, bundle, None))
    return FhirResponse(bundle)
