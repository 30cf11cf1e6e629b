"""Waiting for a busy database: another connection holding a patient's lock, and a request
timed with the answer it got."""

import sqlite3
import time
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager

import asyncpg
import httpx
from sqlalchemy.engine import make_url

from app.config import Settings

TIMEOUT = 1.0  # TR_DB_TIMEOUT_SECONDS of the tests that bound waits with it
SLACK = 0.7  # scheduling and the request itself, well under a second queued writer's wait


@asynccontextmanager
async def lock_held_elsewhere(settings: Settings, patient_id: str) -> AsyncIterator[None]:
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


async def timed(request: Awaitable[httpx.Response]) -> tuple[int, float, str | None]:
    started = time.monotonic()
    response = await request
    return response.status_code, time.monotonic() - started, response.headers.get("retry-after")
