"""FHIR Bulk Data export jobs: create, find (the asker's own), claim (SKIP LOCKED), progress,
finish, cancel; their files written and read a chunk at a time."""

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import ExportChunk, ExportJob
from app.models.export_job import ACCEPTED, RUNNING


def add(session: AsyncSession, job: ExportJob) -> None:
    session.add(job)


async def get(session: AsyncSession, job_id: uuid.UUID, actor: str) -> ExportJob | None:
    """A job by id, only for the caller who asked for it (anyone else: none)."""
    stmt = select(ExportJob).where(ExportJob.id == job_id, ExportJob.actor == actor)
    return await session.scalar(stmt)


async def claim(
    session: AsyncSession, now: datetime, until: datetime, worker: str
) -> ExportJob | None:
    """The oldest job waiting (or whose worker's lease ran out), leased to `worker`; other
    workers skip it while this transaction holds it (PostgreSQL `SKIP LOCKED`; SQLite has
    one writer at a time)."""
    waiting = or_(
        ExportJob.status == ACCEPTED,
        (ExportJob.status == RUNNING) & (ExportJob.claimed_until <= now),
    )
    stmt = (
        select(ExportJob)
        .where(waiting)
        .order_by(ExportJob.created_at)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    job = await session.scalar(stmt)
    if job is not None:
        job.status, job.claimed_until, job.claimed_by = RUNNING, until, worker
        await session.flush()
    return job


async def status_of(session: AsyncSession, job_id: uuid.UUID) -> str | None:
    return await session.scalar(select(ExportJob.status).where(ExportJob.id == job_id))


async def set_fields(session: AsyncSession, job_id: uuid.UUID, **values: Any) -> None:
    await session.execute(update(ExportJob).where(ExportJob.id == job_id).values(**values))


def add_chunk(session: AsyncSession, chunk: ExportChunk) -> None:
    session.add(chunk)


async def drop_chunks(session: AsyncSession, job_id: uuid.UUID) -> None:
    await session.execute(delete(ExportChunk).where(ExportChunk.job_id == job_id))


async def files(session: AsyncSession, job_id: uuid.UUID) -> Sequence[tuple[str, int]]:
    """(resource type, resource count) of each file of a job."""
    stmt = (
        select(ExportChunk.resource_type, func.sum(ExportChunk.count))
        .where(ExportChunk.job_id == job_id)
        .group_by(ExportChunk.resource_type)
    )
    return [(kind, int(count)) for kind, count in (await session.execute(stmt)).all()]


async def chunk_after(
    session: AsyncSession, job_id: uuid.UUID, resource_type: str, seq: int
) -> tuple[int, bytes] | None:
    """The next chunk of a file after `seq` (its seq and bytes), or None at the end."""
    stmt = (
        select(ExportChunk.seq, ExportChunk.data)
        .where(
            ExportChunk.job_id == job_id,
            ExportChunk.resource_type == resource_type,
            ExportChunk.seq > seq,
        )
        .order_by(ExportChunk.seq)
        .limit(1)
    )
    row = (await session.execute(stmt)).first()
    return None if row is None else (row[0], row[1])


async def expired(session: AsyncSession, before: datetime) -> Sequence[uuid.UUID]:
    stmt = select(ExportJob.id).where(ExportJob.created_at < before)
    return (await session.scalars(stmt)).all()


async def drop_jobs(session: AsyncSession, ids: Sequence[uuid.UUID]) -> None:
    if ids:
        await session.execute(delete(ExportChunk).where(ExportChunk.job_id.in_(ids)))
        await session.execute(delete(ExportJob).where(ExportJob.id.in_(ids)))
