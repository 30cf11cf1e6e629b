"""Pooled PostgreSQL connections that died while idle (a restart, a failover, an idle
timeout on a proxy) cost no request: a connection idle longer than PING_AFTER_IDLE_SECONDS
is pinged when it is handed out and replaced if it does not answer. One used within that
time is handed out unpinged (a busy pool pays no round trip per checkout); if it broke
meanwhile, its request is a 503 with Retry-After and the pool is replaced for the next.

PostgreSQL only (SQLite files have no connections to lose): not collected on SQLite.
"""

import asyncpg
import httpx
import pytest

from app import db
from app.config import Settings
from tests.support.factories import patient

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
