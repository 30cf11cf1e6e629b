"""A busy database costs a request at most TR_DB_TIMEOUT_SECONDS, then 503 with Retry-After:
with another connection holding the lock, queued writers do not add their waits up (SQLite:
the in-process write turn and the file lock share one deadline), and reads end in time too.

PostgreSQL bounds each lock acquisition by lock_timeout, and a writer queued behind another
waiter on the same row acquires twice (the tuple lock, then the holder's transaction): up to
twice the timeout. Its bound is checked with one writer; the queue is SQLite's case."""

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager

import asyncpg
import httpx
import pytest
from sqlalchemy.engine import make_url

from app.config import Settings
from app.main import create_app
from tests.support import factories as f
from tests.support.clients import SECRET, client_with, token

pytestmark = [pytest.mark.anyio, pytest.mark.serial]  # bounds waits to TIMEOUT + SLACK
TIMEOUT = 1.0
SLACK = 0.7  # scheduling and the request itself, well under a second queued writer's wait


@asynccontextmanager
async def _lock_held_elsewhere(settings: Settings, patient_id: str) -> AsyncIterator[None]:
    """Another process's writer: SQLite's write lock, PostgreSQL's lock on the patient row."""
    url = make_url(settings.database_url)
    if settings.is_sqlite:
        other = sqlite3.connect(str(url.database), isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            other.execute("ROLLBACK")
            other.close()
        return
    connection = await asyncpg.connect(url.set(drivername="postgresql").render_as_string(False))
    try:
        async with connection.transaction():
            await connection.execute("SELECT id FROM patient WHERE id = $1 FOR UPDATE", patient_id)
            yield
    finally:
        await connection.close()


async def _timed(request: Awaitable[httpx.Response]) -> tuple[int, float, str | None]:
    started = time.monotonic()
    response = await request
    return response.status_code, time.monotonic() - started, response.headers.get("retry-after")


async def test_queued_writers_and_readers_wait_at_most_the_timeout(database_url: str) -> None:
    settings = Settings(database_url=database_url, jwt_secret=SECRET, db_timeout_seconds=TIMEOUT)
    app = create_app(settings)
    try:
        async with client_with(app, token(settings)) as client:
            pid = (await f.patient(client))["id"]
            async with _lock_held_elsewhere(settings, pid):
                writes = [
                    client.post(f"/v1/patients/{pid}/lab-results", json=f.lab_body())
                    for _ in range(3 if settings.is_sqlite else 1)
                ]
                reads = [client.get(f"/v1/patients/{pid}") for _ in range(2)]
                answers = await asyncio.gather(*(_timed(r) for r in (*writes, *reads)))
    finally:
        await app.state.engine.dispose()
    for status, seconds, retry_after in answers[: len(writes)]:
        assert (status, retry_after is not None) == (503, True)
        assert seconds < TIMEOUT + SLACK, answers
    # A read waits for nothing but its audit row's write: on SQLite that is the write lock.
    for status, seconds, _ in answers[len(writes) :]:
        assert status == (503 if settings.is_sqlite else 200)
        assert seconds < TIMEOUT + SLACK, answers
