"""Response helpers shared by the routes: problem documentation, ETag and Location headers."""

from collections.abc import Sequence
from typing import Any

from fastapi import Response
from pydantic import BaseModel

from app.schemas.common import Page, Problem
from app.services import idempotency
from app.services.uow import UnitOfWork

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
    chosen = (400, 401, 403, 422, 503, *codes)
    return {
        code: {
            "model": Problem,
            "description": _PROBLEM_DOC[code],
        }
        for code in sorted(set(chosen))
    }


# The routes below answer with ready JSON: the read models are already validated, so
# FastAPI's second validation and encoding of the return value is skipped (the declared
# response_model still documents them).
def json_response(
    body: BaseModel, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    return Response(body.model_dump_json(), status, headers, media_type="application/json")


def single(read: BaseModel, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    etag = {"ETag": f'W/"{getattr(read, "version")}"'}  # noqa: B009 - any read model
    return json_response(read, status, {**etag, **(headers or {})})


def created(uow: UnitOfWork, read: BaseModel, location: str) -> Response:
    """201 with Location for a new record; 200 when an identical re-send found the stored one."""
    idempotency.remember(uow, uow.audit.status, read.model_dump(mode="json"), location)
    return single(read, uow.audit.status, {"Location": location})


def page(read: type[BaseModel], items: Sequence[BaseModel], cursor: str | None) -> Response:
    return json_response(Page[read](items=list(items), next_cursor=cursor))  # type: ignore[valid-type]


__all__ = ["created", "errors", "json_response", "page", "single"]
