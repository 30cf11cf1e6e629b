"""Group commit: the audit rows of concurrent reads are written together, and each read is
answered only once its batch has committed."""

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.config import Settings
from app.db import Database
from app.models import AuditEvent
from tests.support import factories as f

pytestmark = pytest.mark.anyio
READS = 12


@pytest.fixture
async def database(settings: Settings) -> AsyncIterator[Database]:
    opened = Database.open(settings)
    yield opened
    await opened.dispose()


async def test_concurrent_rows_share_a_commit_and_each_caller_waits_for_its_own(
    database: Database,
) -> None:
    batches: list[list[int]] = []
    commits: list[int] = []
    event.listen(database.engine.sync_engine, "commit", lambda _: commits.append(len(batches)))

    writing = asyncio.Event()

    async def writer(_: AsyncConnection, rows: list[int]) -> None:
        batches.append(rows)
        writing.set()
        await asyncio.sleep(0.05)  # a slow disk: others arrive meanwhile

    async def caller(row: int) -> tuple[int, int]:
        await database.group.write(writer, row, time.monotonic() + 5)
        batch = next(n for n, rows in enumerate(batches, 1) if row in rows)
        return batch, max(commits)  # its batch, and the batches committed by its answer

    first = asyncio.create_task(caller(0))
    await writing.wait()  # a quiet process commits one row at once ...
    rest = await asyncio.gather(*(caller(row) for row in range(1, READS)))
    answered = [await first, *rest]
    assert batches == [[0], list(range(1, READS))]  # ... the rows that came meanwhile, together
    assert all(committed >= batch for batch, committed in answered)


async def test_a_row_that_cannot_be_written_fails_its_own_caller_only(database: Database) -> None:
    async def writer(_: AsyncConnection, rows: list[int]) -> None:
        if 0 in rows:
            raise RuntimeError("disk full")

    outcomes = await asyncio.gather(
        *(database.group.write(writer, row, time.monotonic() + 5) for row in range(3)),
        return_exceptions=True,
    )
    assert isinstance(outcomes[0], RuntimeError)
    assert outcomes[1:] == [None, None]  # its batch is written again without it


async def test_concurrent_reads_are_each_audited_by_fewer_inserts(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    pid = (await f.patient(client))["id"]
    inserts: list[Any] = []

    def seen(_conn: Any, statement: Any, *_: Any) -> None:
        if "INSERT INTO audit_event" in str(statement):
            inserts.append(statement)

    event.listen(app.state.engine.sync_engine, "before_execute", seen)
    answers = await asyncio.gather(*(client.get(f"/v1/patients/{pid}") for _ in range(READS)))
    assert {a.status_code for a in answers} == {200}
    assert 1 <= len(inserts) < READS
    ids = {a.headers["x-request-id"] for a in answers}
    async with app.state.database.sessions() as session:
        stmt = select(func.count()).where(AuditEvent.request_id.in_(ids))
        assert await session.scalar(stmt) == READS  # every answered read has its row
