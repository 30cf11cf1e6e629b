"""Bulk import and export as NDJSON (api-contract.md "Bulk"): both stream, in constant memory."""

import asyncio
import json
from collections import Counter
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from fastapi.responses import StreamingResponse
from starlette.exceptions import HTTPException
from starlette.types import Receive, Scope, Send

from app.api import import_lines
from app.api.deps import api_router, consistency_token, origin_of, require
from app.api.problems import domain_problem
from app.api.responses import errors
from app.config import Settings
from app.errors import ContentTooLarge, Unprocessable
from app.schemas.common import QueryTimestamp
from app.security import Principal
from app.services import bulk_export, bulk_import
from app.services.bulk_import import ImportLine, Outcome

router = api_router(prefix="/v1", tags=["bulk"])
NDJSON = "application/x-ndjson"
TYPES = ", ".join(kind.name for kind in bulk_export.EXPORTED)
Importer = Annotated[Principal, Depends(require("records:write", "labs:write"))]
STATUSES = ("created", "duplicate", "error")
Exporter = Annotated[Principal, Depends(require("records:read"))]


def _stream(description: str, example: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {NDJSON: {"schema": {"type": "string"}, "example": example}},
    }


IMPORT_EXAMPLE = (
    '{"type": "lab_result", "patient_mrn": "TO-0001", "test": "crp", "value": 0.3, '
    '"unit": "mg/dL", "collected_at": "2016-05-10T08:00:00Z"}\n'
)
OUTCOME_EXAMPLE = (
    '{"line": 1, "status": "created", "id": "7d4f6c1e-0c1b-4d7e-9a57-3f7f3a0b8c11"}\n'
    '{"type": "summary", "lines": 1, "created": 1, "duplicate": 0, "error": 0}\n'
)


IMPORT_PATH = "/v1/import"


class DuplexResponse(StreamingResponse):
    """Streams outcomes while the body is still being read. StreamingResponse would also
    read the request's messages to notice a disconnect (before ASGI 2.4), taking the body's
    own; here the body's reader notices a disconnect itself (ClientDisconnect)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.stream_response(send)


@router.post(
    "/import",
    operation_id="importRecords",
    response_class=DuplexResponse,
    responses={**errors(415), 200: _stream("one outcome a line, then a summary", OUTCOME_EXAMPLE)},
    openapi_extra={
        "requestBody": {"required": True, **_stream("one record a line", IMPORT_EXAMPLE)}
    },
)
async def import_records(request: Request, caller: Importer) -> DuplexResponse:
    """Import records, one JSON object a line (`type`, `patient_mrn` or `patient_id`, the
    fields of the type's POST); lines are committed in batches, each answered by an outcome
    line once its batch is stored; a bad line never stops the others."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in (NDJSON, "application/ndjson"):
        raise HTTPException(415, f"the body must be {NDJSON}, one JSON object a line")
    return DuplexResponse(_imported(request, caller), media_type=NDJSON)


async def _imported(request: Request, caller: Principal) -> AsyncIterator[bytes]:
    """Batches are stored one after the other; the next one is read and parsed while the
    database stores the one before (a reader task, one batch ahead)."""
    settings: Settings = request.app.state.settings
    origin, database = origin_of(request), request.app.state.database
    counts: Counter[str] = Counter()
    ready: asyncio.Queue[Read] = asyncio.Queue(maxsize=1)
    reader = asyncio.create_task(_batches(request, settings, ready))
    try:
        while (batch := await ready.get()) is not None:
            if isinstance(batch, Exception):
                raise batch  # reading the body failed (the client went away)
            yield await _answered(database, caller, settings, origin, batch, counts)
    finally:
        reader.cancel()
        await asyncio.gather(reader, return_exceptions=True)
    summary = {"type": "summary", "lines": counts.total(), **{s: counts[s] for s in STATUSES}}
    yield _json(summary)


# What the reader hands on: a batch of parsed lines, the failure that ended reading, or
# None after the last batch.
Read = list[ImportLine] | Exception | None


async def _batches(request: Request, settings: Settings, ready: "asyncio.Queue[Read]") -> None:
    """The body's lines, parsed, in batches of TR_IMPORT_BATCH_LINES."""
    batch: list[ImportLine] = []
    try:
        async for number, raw in import_lines.lines(request.stream(), settings.max_body_bytes):
            batch.append(_line(number, raw))
            if len(batch) >= settings.import_batch_lines:
                await ready.put(batch)
                batch = []
    except Exception as exc:
        await ready.put(exc)
        return
    if batch:
        await ready.put(batch)
    await ready.put(None)


def _line(number: int, raw: bytes | None) -> ImportLine:
    if raw is None:
        too_long = ContentTooLarge("the line is longer than the request body limit")
        return ImportLine(number, refused=too_long)
    return import_lines.parse_line(number, raw)


async def _answered(
    database: Any,
    caller: Principal,
    settings: Settings,
    origin: Any,
    batch: list[ImportLine],
    counts: Counter[str],
) -> bytes:
    outcomes = await bulk_import.import_batch(database, caller, settings, origin, batch)
    counts.update(outcome.status for outcome in outcomes)
    return b"".join(_json(_outcome(outcome)) for outcome in outcomes)


def _outcome(outcome: Outcome) -> dict[str, Any]:
    line: dict[str, Any] = {"line": outcome.line, "status": outcome.status}
    if outcome.record_id is not None:
        line["id"] = str(outcome.record_id)
    if outcome.error is not None:
        line["problem"] = domain_problem(outcome.error)
    return line


def _json(data: dict[str, Any]) -> bytes:
    return json.dumps(data, separators=(",", ":")).encode() + b"\n"


@router.get(
    "/export",
    operation_id="exportRecords",
    response_class=StreamingResponse,
    responses={**errors(), 200: _stream("one record a line, as the reads show it", "")},
)
async def export_records(
    request: Request,
    caller: Exporter,
    since: Annotated[QueryTimestamp | None, Query(description="records changed since")] = None,
    types: Annotated[
        str | None, Query(max_length=200, description=f"comma-separated, from: {TYPES}")
    ] = None,
) -> StreamingResponse:
    """Every record the caller sees (entered-in-error ones included, marked), a type at a
    time (patients first, then regimens before their infusions), each line the record as
    its read shows it plus its `type`."""
    kinds = _kinds(types)
    settings: Settings = request.app.state.settings
    stream = bulk_export.records(
        request.app.state.database,
        caller,
        settings,
        origin_of(request),
        kinds=kinds,
        since=since,
        token=consistency_token(request),
    )
    return StreamingResponse(_exported(stream), media_type=NDJSON)


def _kinds(types: str | None) -> list[Any]:
    by_name = {kind.name: kind for kind in bulk_export.EXPORTED}
    if types is None:
        return list(by_name.values())
    names = [name.strip() for name in types.split(",") if name.strip()]
    unknown = [name for name in names if name not in by_name]
    if unknown or not names:
        raise Unprocessable(f"types must name some of: {TYPES}", loc=("query", "types"))
    return [by_name[name] for name in names]


async def _exported(stream: AsyncIterator[tuple[Any, Any]]) -> AsyncIterator[bytes]:
    async for kind, read in stream:
        yield (
            b'{"type":"' + kind.name.encode() + b'",' + read.model_dump_json().encode()[1:] + b"\n"
        )
