"""Every error under /fhir is an OperationOutcome (application/fhir+json): the face's own
errors directly, and every other answer the service gives as problem+json (401, 403, 404,
409, 413, 422, 503, 500, from the same dependencies, services and middleware as /v1)
rewritten on its way out, its `errors[].loc` naming the FHIR elements they came from."""

import json
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.fhir.errors import FhirError
from app.fhir.outcome import outcome_from_problem
from app.services.fhir_writes import EntryFailed

FHIR_JSON = "application/fhir+json"
PREFIX = "/fhir"


class FhirResponse(JSONResponse):
    media_type = FHIR_JSON


class UnsupportedMediaType(FhirError):
    status = 415
    issue_code = "not-supported"


def outcome_response(status: int, outcome: dict[str, Any], headers: Any = None) -> FhirResponse:
    return FhirResponse(outcome, status_code=status, headers=headers)


async def _on_fhir_error(_: Request, exc: Exception) -> FhirResponse:
    assert isinstance(exc, FhirError)
    return outcome_response(exc.status, exc.outcome())


async def _on_entry_failed(_: Request, exc: Exception) -> FhirResponse:
    assert isinstance(exc, EntryFailed)
    return outcome_response(exc.status, exc.outcome)


def resource_type_of(path: str) -> str:
    """`/fhir/Observation/...` -> Observation; the system level (`/fhir`) -> Bundle."""
    parts = path.removeprefix(PREFIX).strip("/").split("/")
    return parts[0] if parts[0] and parts[0][0].isupper() else "Bundle"


class OutcomeErrors:
    """ASGI middleware: a problem+json answer to a /fhir request leaves as OperationOutcome,
    with the same status and headers (WWW-Authenticate, Retry-After, ...)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not (path == PREFIX or path.startswith(PREFIX + "/")):
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        body = b""

        async def rewrite(message: Message) -> None:
            nonlocal start, body
            if message["type"] == "http.response.start":
                if _is_problem(message):
                    start = message
                    return
            elif start is not None and message["type"] == "http.response.body":
                body += message.get("body", b"")
                if not message.get("more_body", False):
                    await _send_outcome(send, start, body, resource_type_of(path))
                return
            await send(message)

        await self.app(scope, receive, rewrite)


def _is_problem(message: Message) -> bool:
    headers: dict[bytes, bytes] = dict(message.get("headers", []))
    return headers.get(b"content-type", b"").startswith(b"application/problem+json")


async def _send_outcome(send: Send, start: Message, body: bytes, resource_type: str) -> None:
    try:
        problem = json.loads(body)
    except ValueError:
        problem = {"status": start["status"], "detail": "error"}
    problem["status"] = start["status"]
    encoded = json.dumps(outcome_from_problem(problem, resource_type)).encode()
    kept = [
        (name, value)
        for name, value in start.get("headers", [])
        if name not in (b"content-type", b"content-length")
    ]
    headers = [
        *kept,
        (b"content-type", FHIR_JSON.encode()),
        (b"content-length", str(len(encoded)).encode()),
    ]
    await send({"type": "http.response.start", "status": start["status"], "headers": headers})
    await send({"type": "http.response.body", "body": encoded})


def install(app: FastAPI) -> None:
    app.add_exception_handler(FhirError, _on_fhir_error)
    app.add_exception_handler(EntryFailed, _on_entry_failed)


# OpenAPI: FHIR payloads are JSON objects (the resource's type in `resourceType`), registered
# as two components by app.api.openapi.
SCHEMAS: dict[str, dict[str, Any]] = {
    "FhirResource": {
        "type": "object",
        "description": "A FHIR R4 resource (JSON), e.g. a Patient or a Bundle",
        "required": ["resourceType"],
        "properties": {"resourceType": {"type": "string"}},
        "additionalProperties": True,
    },
    "OperationOutcome": {
        "type": "object",
        "description": "A FHIR R4 OperationOutcome: one issue per problem, naming the element",
        "required": ["resourceType", "issue"],
        "properties": {
            "resourceType": {"type": "string", "enum": ["OperationOutcome"]},
            "issue": {"type": "array", "items": {"type": "object"}, "minItems": 1},
        },
    },
}
RESOURCE_REF = {"$ref": "#/components/schemas/FhirResource"}
OUTCOME_REF = {"$ref": "#/components/schemas/OperationOutcome"}
_DESCRIPTIONS = {
    400: "Malformed request or search (OperationOutcome)",
    401: "Missing or invalid bearer token",
    403: "The token lacks the scope this operation needs",
    404: "No such resource",
    409: "Conflicts with a stored record (the identifier names other content)",
    410: "The patient was entered in error",
    413: "Content too large",
    415: "Not FHIR JSON",
    422: "Valid FHIR that does not map onto our records (refused, never guessed)",
    503: "Database busy or unreachable; retry after Retry-After seconds",
}


def outcomes(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI documentation of the OperationOutcome answers of an operation."""
    chosen = sorted({400, 401, 403, 503, *codes})
    return {
        code: {
            "description": _DESCRIPTIONS[code],
            "content": {FHIR_JSON: {"schema": OUTCOME_REF}},
        }
        for code in chosen
    }


def resource_answer(description: str) -> dict[str, Any]:
    return {"description": description, "content": {FHIR_JSON: {"schema": RESOURCE_REF}}}
