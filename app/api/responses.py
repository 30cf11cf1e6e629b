"""Response helpers shared by the routes: problem documentation, ETag and Location headers."""

from typing import Any

from fastapi import Response
from pydantic import BaseModel

from app.schemas.common import Page, Problem
from app.services import idempotency
from app.services.unit import Unit

_PROBLEM_DOC = {
    400: "Malformed request",
    401: "Missing or invalid bearer token",
    403: "The token lacks the scope this operation needs",
    404: "No such record",
    409: "Conflicts with a stored record (duplicate natural key or concurrent change)",
    412: "If-Match names a stale version",
    422: "Invalid input; `errors` names each field",
    503: "Database busy or unreachable; retry after Retry-After seconds",
}


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI documentation of the problem+json answers an operation can give."""
    chosen = (401, 403, 422, 503, *codes)
    return {
        code: {
            "model": Problem,
            "description": _PROBLEM_DOC[code],
        }
        for code in sorted(set(chosen))
    }


def single(response: Response, read: BaseModel) -> BaseModel:
    response.headers["ETag"] = f'W/"{getattr(read, "version")}"'  # noqa: B009 - any read model
    return read


def created(response: Response, unit: Unit, read: BaseModel, location: str) -> BaseModel:
    """201 with Location for a new record; 200 when an identical re-send found the stored one."""
    response.status_code = unit.audit.status
    response.headers["Location"] = location
    idempotency.remember(unit, unit.audit.status, read.model_dump(mode="json"), location)
    return single(response, read)


__all__ = ["Page", "created", "errors", "single"]
