"""FHIR Bulk Data export (interop.md): kick-off at system, patient and group level, status
polling, the manifest, the NDJSON files, cancellation. The work is a worker's
(`python -m app export`); these routes store and read jobs and stream the stored files."""

import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Depends, Header, Path, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse

from app.api.deps import ExportUoW, JobReadUoW, api_router, require
from app.api.responses import errors
from app.errors import DomainError
from app.fhir.bulk import NDJSON, ExportFile, export_manifest, parse_export_request
from app.fhir.errors import FhirError
from app.fhir.outcome import outcome_for_status
from app.security import Principal
from app.services import fhir_export
from app.services.uow import UnitOfWork

router = api_router(prefix="/fhir", tags=["fhir bulk data"])
FHIR_JSON = "application/fhir+json"
Reader = Annotated[Principal, Depends(require("records:read"))]
JobId = Annotated[uuid.UUID, Path(description="the export job, from Content-Location")]
ResourceType = Annotated[str, Path(pattern="^[A-Za-z]{1,32}$")]
PreferHeader = Annotated[
    str | None, Header(alias="Prefer", description="must ask for respond-async", max_length=200)
]
OUTCOME = {FHIR_JSON: {"schema": {"type": "object", "description": "an OperationOutcome"}}}


def fhir_errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The errors of an operation: an OperationOutcome from the operation itself, a problem
    from the door (authentication, scopes, malformed parameters)."""
    return {code: {**doc, "content": OUTCOME} for code, doc in errors(*codes).items()}


KICK_OFF: dict[int | str, dict[str, Any]] = {
    **fhir_errors(404),
    202: {"description": "accepted: poll the status URL in Content-Location"},
}


def _outcome(uow: UnitOfWork | None, status: int, diagnostics: str) -> JSONResponse:
    if uow is not None:
        uow.audit.status = status
    return JSONResponse(outcome_for_status(status, diagnostics), status, media_type=FHIR_JSON)


async def _kick_off(
    request: Request, uow: UnitOfWork, prefer: str | None, group: str | None = None
) -> Response:
    preferences = {p.strip().split("=")[0] for p in (prefer or "").split(",")}
    if "respond-async" not in {p.split(";")[0].strip() for p in preferences}:
        return _outcome(uow, 400, "a bulk export needs the header Prefer: respond-async")
    handling = "strict" if "handling=strict" in (prefer or "") else None
    try:
        asked = parse_export_request(
            request.query_params.multi_items(),
            supported_types=fhir_export.SUPPORTED_TYPES,
            handling=handling,
        )
        job = await fhir_export.kick_off(
            uow, asked, url=str(request.url), request_id=request.state.request_id, group=group
        )
    except FhirError as exc:
        uow.audit.status = exc.status
        return JSONResponse(exc.outcome(), exc.status, media_type=FHIR_JSON)
    except DomainError as exc:
        return _outcome(uow, exc.status, exc.detail)
    uow.audit.status = 202
    location = str(request.url_for("export_status", job_id=str(job.id)))
    return Response(status_code=202, headers={"Content-Location": location})


@router.get("/$export", operation_id="exportSystem", status_code=202, responses=KICK_OFF)
async def export_system(request: Request, uow: ExportUoW, prefer: PreferHeader = None) -> Response:
    """Start a system-level Bulk Data export of every patient the caller sees."""
    return await _kick_off(request, uow, prefer)


@router.get("/Patient/$export", operation_id="exportPatients", status_code=202, responses=KICK_OFF)
async def export_patients(
    request: Request, uow: ExportUoW, prefer: PreferHeader = None
) -> Response:
    """Start a patient-level Bulk Data export (every patient the caller sees)."""
    return await _kick_off(request, uow, prefer)


@router.get(
    "/Group/{group}/$export", operation_id="exportGroup", status_code=202, responses=KICK_OFF
)
async def export_group(
    request: Request,
    uow: ExportUoW,
    group: Annotated[str, Path(pattern=r"^[A-Za-z0-9._-]{1,64}$", description="organization")],
    prefer: PreferHeader = None,
) -> Response:
    """Start a Bulk Data export of one organization's patients (tenancy on)."""
    if not uow.settings.tenancy:
        return _outcome(uow, 404, "groups are organizations, and this service keeps one")
    return await _kick_off(request, uow, prefer, group=group)


@router.get(
    "/$export-status/{job_id}",
    operation_id="getExportStatus",
    responses={
        **fhir_errors(404),
        202: {"description": "still running (X-Progress)"},
        500: {"description": "the export failed", "content": OUTCOME},
    },
)
async def export_status(request: Request, job_id: JobId, uow: JobReadUoW) -> Response:
    """While the job runs: 202 with X-Progress; then 200 with the manifest."""
    try:
        job = await fhir_export.job_of(uow, job_id)
    except DomainError as exc:
        return _outcome(uow, exc.status, exc.detail)
    if job.status in ("accepted", "running"):
        progress = job.progress or job.status
        return Response(status_code=202, headers={"X-Progress": progress, "Retry-After": "2"})
    if job.status != "completed" or job.transaction_time is None:
        return _outcome(uow, 500, "the export failed; start a new one")
    output = [
        ExportFile(
            kind,
            str(request.url_for("export_file", job_id=str(job.id), resource_type=kind)),
            count,
        )
        for kind, count in await fhir_export.files(uow, job)
    ]
    manifest = export_manifest(
        transaction_time=job.transaction_time, request=job.request, output=output
    )
    return JSONResponse(manifest, media_type="application/json")


@router.delete(
    "/$export-status/{job_id}",
    operation_id="cancelExport",
    status_code=202,
    responses={**fhir_errors(404), 202: {"description": "cancelled; its files are gone"}},
)
async def cancel_export(job_id: JobId, uow: ExportUoW) -> Response:
    """Cancel a job: a worker running it stops, its files are dropped."""
    try:
        await fhir_export.cancel(uow, job_id)
    except DomainError as exc:
        return _outcome(uow, exc.status, exc.detail)
    uow.audit.status = 202
    return Response(status_code=202)


@router.get(
    "/$export-file/{job_id}/{resource_type}.ndjson",
    operation_id="getExportFile",
    response_class=StreamingResponse,
    responses={**fhir_errors(404), 200: {"description": "NDJSON", "content": {NDJSON: {}}}},
)
async def export_file(
    request: Request, job_id: JobId, resource_type: ResourceType, uow: JobReadUoW, caller: Reader
) -> Response:
    """One NDJSON file of a completed job (only for the caller who started it)."""
    try:
        job = await fhir_export.job_of(uow, job_id)
    except DomainError as exc:
        return _outcome(uow, exc.status, exc.detail)
    if job.status != "completed" or resource_type not in job.types:
        return _outcome(uow, 404, "no such file in this export")
    state = request.app.state
    chunks = fhir_export.file_chunks(state.database, caller, state.settings, job.id, resource_type)
    return StreamingResponse(_bytes(chunks), media_type=NDJSON)


async def _bytes(chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    async for chunk in chunks:
        yield chunk
