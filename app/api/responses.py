"""Response helpers shared by the routes: problem documentation, ETag and Location headers,
the status of a creating request, the replay of an Idempotency-Key's answer, and least
exposure (a write answers a caller without records:read with a receipt, not the record)."""

import functools
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from fastapi import Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from app.schemas.common import Page, Problem
from app.schemas.infusion import InfusionReceipt
from app.services import idempotency, resources
from app.services.records import Saved
from app.services.resources import Resource
from app.services.uow import StoredAnswer, UnitOfWork

_PROBLEM_DOC = {
    400: "Malformed request",
    401: "Missing or invalid bearer token",
    403: "The token lacks the scope this operation needs",
    404: "No such record",
    409: "Conflicts with a stored record (duplicate natural key or concurrent change)",
    412: "If-Match names a stale version",
    415: "The body is not of a media type this operation takes",
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


def answer_model(kind: Resource[Any]) -> Any:
    """A write's documented answer: the record, or its receipt for a caller that may not read
    records (openapi.py renders the pair as a oneOf)."""
    return kind.read | kind.receipt


def resent(kind: Resource[Any]) -> dict[int | str, dict[str, Any]]:
    """The 200 of a creating POST whose record carries the sender's external_id: an identical
    re-send answers with the record stored before."""
    if "external_id" not in kind.unique:
        return {}
    return {
        200: {
            "model": answer_model(kind),
            "description": "An identical re-send of a stored external_id: the stored record",
        }
    }


# Every receipt's fields (an infusion's are the widest), for stored answers being replayed.
RECEIPT_FIELDS = tuple(InfusionReceipt.model_fields)


def may_read(uow: UnitOfWork) -> bool:
    return uow.caller.has_any("records:read")


def exposed(uow: UnitOfWork, kind: Resource[Any], read: BaseModel) -> BaseModel:
    """The record for a caller that may read records, else its receipt."""
    if may_read(uow):
        return read
    return kind.receipt.model_validate(receipt_of(read.model_dump(mode="json")))


def receipt_of(body: dict[str, Any]) -> dict[str, Any]:
    """The receipt fields of a record's JSON (a patient's patient_id is its id)."""
    known = {"patient_id": body.get("id"), **body}
    return {name: known[name] for name in RECEIPT_FIELDS if name in known}


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


async def created(uow: UnitOfWork, kind: Resource[Any], saved: Saved[Any]) -> Response:
    """201 with Location for a new record; 200 when an identical re-send found the stored
    one. The answer is kept with the request's Idempotency-Key, if it sent one."""
    read = exposed(uow, kind, (await resources.present(uow, kind, [saved.row]))[0])
    location = f"/v1/{kind.collection}/{saved.row.id}"
    answer = StoredAnswer(201 if saved.created else 200, read.model_dump(mode="json"), location)
    uow.audit.status = answer.status
    idempotency.remember(uow, answer)
    return single(read, answer.status, {"Location": location})


Endpoint = Callable[..., Awaitable[Any]]


def replayable(endpoint: Endpoint) -> Endpoint:
    """For a creating route (its unit of work is the parameter `uow`): a repeated
    Idempotency-Key gets its first answer again, and the endpoint does not run."""

    @functools.wraps(endpoint)
    async def replay_or_run(**params: Any) -> Any:
        uow: UnitOfWork = params["uow"]
        if uow.replay is None:
            return await endpoint(**params)
        uow.audit.status = uow.replay.status
        return replayed(uow.replay, may_read(uow))

    return replay_or_run


def replayed(answer: StoredAnswer, may_read: bool) -> Response:
    """The first answer again; its receipt only, to a caller that may not read records now
    (keys are per caller, whose scopes can differ from one token to the next)."""
    headers = {"Idempotent-Replayed": "true"}
    if answer.location:
        headers["Location"] = answer.location
    if "version" in answer.body:
        headers["ETag"] = f'W/"{answer.body["version"]}"'
    body = answer.body if may_read else receipt_of(answer.body)
    return JSONResponse(body, status_code=answer.status, headers=headers)


def page(read: type[BaseModel], items: Sequence[BaseModel], cursor: str | None) -> Response:
    return json_response(Page[read](items=list(items), next_cursor=cursor))  # type: ignore[valid-type]


async def shown(uow: UnitOfWork, kind: Resource[Any], row: Any) -> Response:
    """One record as the API shows it (to this caller), with its ETag."""
    return single(exposed(uow, kind, (await resources.present(uow, kind, [row]))[0]))


async def listed(uow: UnitOfWork, kind: Resource[Any], found: tuple[Any, str | None]) -> Response:
    """A page of records as the API shows them."""
    rows, cursor = found
    return page(kind.read, await resources.present(uow, kind, rows), cursor)


__all__ = [
    "answer_model",
    "created",
    "errors",
    "json_response",
    "listed",
    "page",
    "replayable",
    "resent",
    "shown",
    "single",
]
