"""A busy database costs a request at most TR_DB_TIMEOUT_SECONDS, then 503 with Retry-After:
with another connection holding the lock, queued writers do not add their waits up (SQLite:
the in-process write turn and the file lock share one deadline; PostgreSQL: a writer queued
behind another waiter on the same row waits twice, for the tuple lock and then for the
holder's transaction, each wait bounded by half of what the request has left), and reads
end in time too."""

import asyncio

import pytest

from app.config import Settings
from app.main import create_app
from tests.support import factories as f
from tests.support.clients import SECRET, client_with, token
from tests.support.db_waits import SLACK, TIMEOUT, lock_held_elsewhere, timed

pytestmark = [pytest.mark.anyio, pytest.mark.serial]  # bounds waits to TIMEOUT + SLACK


async def test_queued_writers_and_readers_wait_at_most_the_timeout(database_url: str) -> None:
    settings = Settings(database_url=database_url, jwt_secret=SECRET, db_timeout_seconds=TIMEOUT)
    app = create_app(settings)
    try:
        async with client_with(app, token(settings)) as client:
            pid = (await f.patient(client))["id"]
            async with lock_held_elsewhere(settings, pid):
                writes = [
                    client.post(f"/v1/patients/{pid}/lab-results", json=f.lab_body())
                    for _ in range(3)
                ]
                reads = [client.get(f"/v1/patients/{pid}") for _ in range(2)]
                answers = await asyncio.gather(*(timed(r) for r in (*writes, *reads)))
    finally:
        await app.state.engine.dispose()
    for status, seconds, retry_after in answers[: len(writes)]:
        assert (status, retry_after is not None) == (503, True)
        assert seconds < TIMEOUT + SLACK, answers
    # A read waits for nothing but its audit row's write: on SQLite that is the write lock.
    for status, seconds, _ in answers[len(writes) :]:
        assert status == (503 if settings.is_sqlite else 200)
        assert seconds < TIMEOUT + SLACK, answers
