"""Pooled PostgreSQL connections that died while idle (a restart, a failover, an idle
timeout on a proxy) cost no request: a connection idle longer than PING_AFTER_IDLE_SECONDS
is pinged when it is handed out and replaced if it does not answer. One used within that
time is handed out unpinged (a busy pool pays no round trip per checkout); if it broke
meanwhile, its request is a 503 with Retry-After and the pool is replaced for the next.
The pool's connections stay open: a request beyond them waits for one, none is opened.

PostgreSQL only (SQLite files have no connections to lose): not collected on SQLite.
"""

import asyncio

import asyncpg
import httpx
import pytest
from sqlalchemy import event

from app import db
from app.config import Settings
from app.main import create_app
from tests.support.clients import client_with, token
from tests.support.factories import lab_body, patient

pytestmark = pytest.mark.anyio


async def _terminate_the_pool(settings: Settings) -> int:
    """Close every other session of the test's database, as a restart would."""
    conn = await asyncpg.connect(settings.database_url)
    try:
        return int(
            await conn.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
    finally:
        await conn.close()


async def test_a_connection_that_died_while_idle_is_replaced_before_use(
    client: httpx.AsyncClient, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = await patient(client)
    monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 0.0)
    assert await _terminate_the_pool(settings) >= 1
    again = await client.get(f"/v1/patients/{made['id']}")
    assert again.status_code == 200, again.text


async def test_a_recently_used_connection_is_not_pinged(
    client: httpx.AsyncClient, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = await patient(client)
    monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 3600.0)
    assert await _terminate_the_pool(settings) >= 1
    broken = await client.get(f"/v1/patients/{made['id']}")
    assert broken.status_code == 503
    assert broken.headers["content-type"].startswith("application/problem+json")
    assert broken.headers["retry-after"]
    recovered = await client.get(f"/v1/patients/{made['id']}")
    assert recovered.status_code == 200, recovered.text


async def test_requests_beyond_the_pool_wait_for_its_connections_and_open_none(
    settings: Settings,
) -> None:
    """Three connections, thirty concurrent requests (reads and writes of one patient, whose
    writers queue on its lock while holding a connection): all answered, and no connection
    opened beyond the three (an overflow connection would be opened and closed again, request
    after request, under a steady load above the pool's size)."""
    app = create_app(settings.model_copy(update={"db_pool_size": 3}))
    opened: list[object] = []
    event.listen(app.state.engine.sync_engine, "connect", lambda conn, _: opened.append(conn))
    try:
        async with client_with(app, token(settings)) as client:
            made = await patient(client)
            labs = f"/v1/patients/{made['id']}/lab-results"
            answers = await asyncio.gather(
                *(client.get(f"/v1/patients/{made['id']}") for _ in range(20)),
                *(client.post(labs, json=lab_body()) for _ in range(10)),
            )
            listed = await client.get(labs, params={"limit": 50})
    finally:
        await app.state.engine.dispose()
    assert [a.status_code for a in answers] == [200] * 20 + [201] * 10, [a.text for a in answers]
    assert len(listed.json()["items"]) == 10
    assert 1 <= len(opened) <= 3
