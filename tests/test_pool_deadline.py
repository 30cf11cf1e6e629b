"""PostgreSQL: a writer that waited for a pooled connection has only what is left of its
TR_DB_TIMEOUT_SECONDS to wait for the patient's row lock, so the whole request still ends
within it (tests/test_write_deadline.py has the queued writers and SQLite's case).

PostgreSQL only (SQLite has no pool to wait for): not collected on SQLite.
"""

import asyncio
from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI

from app.config import Settings
from app.main import create_app
from tests.support import factories as f
from tests.support.clients import SECRET, client_with, token
from tests.support.db_waits import SLACK, TIMEOUT, lock_held_elsewhere, timed

pytestmark = [pytest.mark.anyio, pytest.mark.serial]  # bounds waits to TIMEOUT + SLACK


@pytest.fixture
async def pool_of_one(database_url: str) -> AsyncIterator[tuple[FastAPI, Settings]]:
    """The app, and its settings: a pool of one connection, waits bounded by TIMEOUT."""
    settings = Settings(
        database_url=database_url, jwt_secret=SECRET, db_timeout_seconds=TIMEOUT, db_pool_size=1
    )
    app = create_app(settings)
    try:
        yield app, settings
    finally:
        await app.state.engine.dispose()


async def test_a_wait_for_the_pool_counts_against_the_lock_wait(
    pool_of_one: tuple[FastAPI, Settings],
) -> None:
    """PostgreSQL: a writer that waited for a pooled connection has only what is left of its
    timeout to wait for the patient's row lock (each wait alone would fit in the timeout)."""
    app, settings = pool_of_one
    async with client_with(app, token(settings)) as client:
        pid = (await f.patient(client))["id"]
        async with lock_held_elsewhere(settings, pid):
            pool_held, taken = 0.9 * TIMEOUT, asyncio.Event()

            async def hold_the_pool() -> None:
                async with app.state.engine.connect() as connection:
                    await connection.exec_driver_sql("SELECT 1")  # checked out
                    taken.set()
                    await asyncio.sleep(pool_held)

            holder = asyncio.create_task(hold_the_pool())
            await taken.wait()
            write = client.post(f"/v1/patients/{pid}/lab-results", json=f.lab_body())
            status, seconds, retry_after = await timed(write)
            await holder
    assert (status, retry_after is not None) == (503, True)
    # Each wait bounded alone: pool_held + TIMEOUT.
    assert pool_held < seconds < TIMEOUT + SLACK


async def test_readers_give_their_connection_back_before_waiting_for_their_audit_batch(
    pool_of_one: tuple[FastAPI, Settings],
) -> None:
    """PostgreSQL, a pool of one connection: a read that kept its connection while it waited
    for its audit batch (which takes a pooled connection of its own) would wait for itself
    until TR_DB_TIMEOUT_SECONDS, then answer 503. Concurrent reads, and a status read (whose
    kept document joins the batch), each answer 200 well within it."""
    app, settings = pool_of_one
    async with client_with(app, token(settings)) as client:
        pid = (await f.patient(client))["id"]
        reads = [client.get(f"/v1/patients/{pid}") for _ in range(4)]
        reads.append(client.get(f"/v1/patients/{pid}/status"))
        answered = await asyncio.gather(*(timed(read) for read in reads))
    assert [status for status, _, _ in answered] == [200] * 5
    assert max(seconds for _, seconds, _ in answered) < TIMEOUT
