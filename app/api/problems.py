"""Every error leaves as application/problem+json (RFC 9457); no stack trace leaves."""

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException

from app.errors import DomainError, InvalidCursor, Unprocessable, is_transient

log = logging.getLogger("app.errors")
PROBLEM = "application/problem+json"
TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    412: "Precondition failed",
    413: "Content too large",
    415: "Unsupported media type",
    422: "Unprocessable content",
    503: "Service unavailable",
}


def problem(
    status: int, detail: str | None, headers: dict[str, str] | None = None, **extra: Any
) -> JSONResponse:
    body = problem_body(status, detail, **extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def problem_body(status: int, detail: str | None, **extra: Any) -> dict[str, Any]:
    return {
        "type": "about:blank",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        **extra,
    }


def domain_problem(exc: DomainError) -> dict[str, Any]:
    """A domain error as its problem body (a response's, or one line's of a bulk import)."""
    extra = dict(exc.extra)
    if isinstance(exc, Unprocessable) and "errors" not in extra:
        extra["errors"] = [{"loc": list(exc.loc), "msg": exc.detail, "type": "value_error"}]
    return problem_body(exc.status, exc.detail, **extra)


def validation_errors(errors: Sequence[Any]) -> list[dict[str, Any]]:
    """Where and what, never the offending input (it may be patient data)."""
    return [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in errors]


async def _on_validation(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = validation_errors(exc.errors())
    fields = ", ".join(".".join(str(p) for p in e["loc"]) for e in errors[:5])
    return problem(422, f"invalid request: {fields}", errors=errors)


async def _on_domain(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    headers = {"Retry-After": "1"} if exc.status == 503 else None
    body = domain_problem(exc)
    return JSONResponse(body, status_code=exc.status, media_type=PROBLEM, headers=headers)


async def _on_invalid_cursor(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, InvalidCursor)
    where = {"loc": ["query", "cursor"], "msg": exc.detail, "type": "value_error"}
    return problem(422, exc.detail, errors=[where])


async def _on_http(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    return problem(exc.status_code, str(exc.detail), dict(exc.headers or {}) or None)


async def _on_integrity(_: Request, exc: Exception) -> JSONResponse:
    return problem(409, "the request conflicts with a stored record")


async def _on_stale(_: Request, exc: Exception) -> JSONResponse:
    return problem(409, "the record was changed by another request; read it again and retry")


async def _on_database(_: Request, exc: Exception) -> JSONResponse:
    if not is_transient(exc):
        raise exc  # a real fault: the outermost layer logs it and answers 500
    log.warning("database unavailable: %s", type(exc).__name__)
    return problem(503, "the database is busy or unreachable; retry shortly", {"Retry-After": "1"})


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(DomainError, _on_domain)
    app.add_exception_handler(InvalidCursor, _on_invalid_cursor)
    app.add_exception_handler(HTTPException, _on_http)
    app.add_exception_handler(IntegrityError, _on_integrity)
    app.add_exception_handler(StaleDataError, _on_stale)
    app.add_exception_handler(OperationalError, _on_database)
    app.add_exception_handler(DBAPIError, _on_database)
    # The database unreachable at connect time (refused, reset, timed out) or no pooled
    # connection free in time: 503 as well, never a 500.
    app.add_exception_handler(OSError, _on_database)
    app.add_exception_handler(PoolTimeout, _on_database)
