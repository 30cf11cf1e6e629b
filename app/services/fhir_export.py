"""FHIR Bulk Data export (interop.md "Bulk Data export"): a kick-off stores a job; a worker
claims it (SKIP LOCKED), reads the caller's records a page at a time as the caller (the same
scopes and audit as GET /v1/export), maps them with the pure app.fhir functions and writes
each resource type's NDJSON into the database in chunks, so memory stays constant and any
replica serves the files. With a read replica configured, the records are read there once
it has replayed past the claim (so an export shows every write committed before its job
ran), else on the primary. Jobs and files expire after TR_EXPORT_TTL_HOURS."""

import logging
import uuid
from collections.abc import AsyncIterator, Iterable, Sequence
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from app.config import Settings
from app.db import Database
from app.errors import NotFound
from app.fhir.assessment import assessment_observations
from app.fhir.bulk import ExportRequest, ndjson
from app.fhir.config import FhirConfig
from app.fhir.datatypes import Resource as FhirResource
from app.fhir.labs import lab_observation
from app.fhir.medication import medication_administration, medication_request
from app.fhir.patient import condition_resources, patient_resource
from app.models import ExportChunk, ExportJob
from app.models.base import new_id, utcnow
from app.models.export_job import ACCEPTED, CANCELLED, COMPLETED, FAILED, RUNNING
from app.repositories import export_jobs as repo
from app.security import ALL_ORGANIZATIONS, Principal
from app.services import bulk_export, records
from app.services.resources import ASSESSMENT, INFUSION, LAB_RESULT, PATIENT, REGIMEN, Resource
from app.services.uow import Origin, UnitOfWork, system_caller

log = logging.getLogger("app.export")
# Which of our record types each FHIR type is made from.
SOURCES: dict[str, tuple[Resource[Any], ...]] = {
    "Patient": (PATIENT,),
    "Condition": (PATIENT,),
    "MedicationRequest": (REGIMEN,),
    "MedicationAdministration": (INFUSION,),
    "Observation": (LAB_RESULT, ASSESSMENT),
}
SUPPORTED_TYPES = (
    "Patient",
    "Condition",
    "MedicationRequest",
    "MedicationAdministration",
    "Observation",
)
CHUNK_RESOURCES = 500
LEASE = timedelta(minutes=5)


async def kick_off(
    uow: UnitOfWork,
    request: ExportRequest,
    *,
    url: str,
    request_id: str,
    group: str | None = None,
) -> ExportJob:
    """Store a job for the caller (within `group`, an organization it sees, if given)."""
    if group is not None and not uow.scope.allows(group):
        raise NotFound("no group with this id")  # another organization: as if none
    organizations = None if uow.scope.unrestricted else sorted(uow.scope.organizations or ())
    if group is not None:
        organizations = [group]
    job = ExportJob(
        id=new_id(),
        actor=uow.actor,
        organizations=organizations,
        request=url[:2000],
        request_id=request_id,
        types=list(request.types),
        since=request.since,
        status=ACCEPTED,
        created_at=utcnow(),
    )
    repo.add(uow.session, job)
    uow.audit.about("export_job")
    return job


async def job_of(uow: UnitOfWork, job_id: uuid.UUID) -> ExportJob:
    """The caller's own job, not expired (anyone else's: 404, as if none)."""
    job = await repo.get(uow.session, job_id, uow.actor)
    ttl = timedelta(hours=uow.settings.export_ttl_hours)
    if job is None or job.status == CANCELLED or job.created_at < utcnow() - ttl:
        raise NotFound("no export job with this id")
    return job


async def files(uow: UnitOfWork, job: ExportJob) -> Sequence[tuple[str, int]]:
    found = dict(await repo.files(uow.session, job.id))
    return [(kind, found[kind]) for kind in job.types if kind in found]


async def cancel(uow: UnitOfWork, job_id: uuid.UUID) -> None:
    """Stop a job (a worker running it stops at its next chunk) and drop its files."""
    job = await job_of(uow, job_id)
    await repo.set_fields(uow.session, job.id, status=CANCELLED, finished_at=utcnow())
    await repo.drop_chunks(uow.session, job.id)


async def file_chunks(
    database: Database, caller: Principal, settings: Settings, job_id: uuid.UUID, kind: str
) -> AsyncIterator[bytes]:
    """A file's bytes, a chunk at a time, each read in a short transaction of its own."""
    seq = -1
    while True:
        async with UnitOfWork(database, caller, settings) as uow:
            found = await repo.chunk_after(uow.session, job_id, kind, seq)
        if found is None:
            return
        seq, data = found
        yield data


async def run_next(database: Database, settings: Settings, worker: str) -> bool:
    """Claim the oldest waiting job and run it; False when none was waiting."""
    async with UnitOfWork(database, system_caller("export"), settings, write=True) as uow:
        now = utcnow()
        job = await repo.claim(uow.session, now, now + LEASE, worker)
        if job is not None:
            await repo.set_fields(uow.session, job.id, transaction_time=now)
            job.transaction_time = now
        await uow.commit()
    if job is None:
        return False
    try:
        finished = await _run(database, settings, job, uow.consistency_token)
    except Exception:
        log.exception("export job failed", extra={"job_id": str(job.id)})
        await _set(database, settings, job.id, status=FAILED, finished_at=utcnow())
        return True
    if finished:
        await _set(database, settings, job.id, status=COMPLETED, finished_at=utcnow())
    return True


async def purge_expired(database: Database, settings: Settings) -> None:
    before = utcnow() - timedelta(hours=settings.export_ttl_hours)
    async with UnitOfWork(database, system_caller("export"), settings, write=True) as uow:
        await repo.drop_jobs(uow.session, await repo.expired(uow.session, before))
        await uow.commit()


async def _run(database: Database, settings: Settings, job: ExportJob, token: str | None) -> bool:
    """Write the job's files; False when it was cancelled meanwhile. `token`: the primary's
    WAL position when the job was claimed (records are read where it has been replayed)."""
    organizations = job.organizations
    caller = Principal(
        sub=job.actor,
        scopes=frozenset({"records:read"}),
        organizations=frozenset(organizations)
        if organizations is not None
        else frozenset({ALL_ORGANIZATIONS}),
    )
    origin = Origin("GET", urlsplit(job.request).path, job.request_id, None)
    config = FhirConfig(tenancy=settings.tenancy)
    kinds = {source for kind in job.types for source in SOURCES[kind]}
    writer = _Files(database, settings, job)
    pages = bulk_export.pages(
        database, caller, settings, origin, kinds=list(kinds), since=job.since, token=token
    )
    async for kind, page in pages:
        reads = [read.model_dump(mode="json") for read in page]
        regimens = (
            await _regimens(database, caller, settings, reads, token) if kind is INFUSION else {}
        )
        for fhir_type, resources in _mapped(kind, reads, regimens, config, settings):
            if fhir_type in job.types:
                await writer.write(fhir_type, resources)
        if not await writer.still_wanted():
            return False
    return True


def _mapped(
    kind: Resource[Any],
    reads: list[dict[str, Any]],
    regimens: dict[str, dict[str, Any]],
    config: FhirConfig,
    settings: Settings,
) -> Iterable[tuple[str, list[FhirResource]]]:
    if kind is PATIENT:
        yield "Patient", [patient_resource(read, config) for read in reads]
        yield "Condition", [c for read in reads for c in condition_resources(read, config)]
    elif kind is REGIMEN:
        today = settings.today()
        yield "MedicationRequest", [medication_request(r, config, today=today) for r in reads]
    elif kind is INFUSION:
        made = [medication_administration(r, regimens[str(r["regimen_id"])], config) for r in reads]
        yield "MedicationAdministration", made
    elif kind is LAB_RESULT:
        yield "Observation", [lab_observation(read, config) for read in reads]
    else:
        yield "Observation", [o for read in reads for o in assessment_observations(read, config)]


async def _regimens(
    database: Database,
    caller: Principal,
    settings: Settings,
    infusions: list[dict[str, Any]],
    token: str | None,
) -> dict[str, dict[str, Any]]:
    """The regimens of a page's infusions (their drug and route), as stored: infusions of
    several patients, and no derived field is needed."""
    async with UnitOfWork(database, caller, settings, replica=True, token=token) as uow:
        ids = {uuid.UUID(str(r["regimen_id"])) for r in infusions}
        rows = await records.get_many(uow, REGIMEN, ids)
        reads = [REGIMEN.snapshot.model_validate(row).model_dump(mode="json") for row in rows]
    return {read["id"]: read for read in reads}


class _Files:
    """Appends chunks to a job's files, each in a short transaction of its own."""

    def __init__(self, database: Database, settings: Settings, job: ExportJob) -> None:
        self._database, self._settings, self._job = database, settings, job
        self._seq: dict[str, int] = {}
        self._written = 0

    async def write(self, fhir_type: str, resources: list[FhirResource]) -> None:
        if not resources:
            return
        seq = self._seq.get(fhir_type, -1) + 1
        self._seq[fhir_type] = seq
        self._written += len(resources)
        chunk = ExportChunk(
            job_id=self._job.id,
            resource_type=fhir_type,
            seq=seq,
            count=len(resources),
            data=b"".join(ndjson(resources)),
        )
        progress = f"{self._written} resources written ({fhir_type})"
        async with UnitOfWork(
            self._database, system_caller("export"), self._settings, write=True
        ) as uow:
            repo.add_chunk(uow.session, chunk)
            lease = utcnow() + LEASE
            await repo.set_fields(uow.session, self._job.id, progress=progress, claimed_until=lease)
            await uow.commit()

    async def still_wanted(self) -> bool:
        async with UnitOfWork(self._database, system_caller("export"), self._settings) as uow:
            status = await repo.status_of(uow.session, self._job.id)
        return status == RUNNING


async def _set(database: Database, settings: Settings, job_id: uuid.UUID, **values: Any) -> None:
    async with UnitOfWork(database, system_caller("export"), settings, write=True) as uow:
        if await repo.status_of(uow.session, job_id) == RUNNING:
            await repo.set_fields(uow.session, job_id, **values)
        await uow.commit()
