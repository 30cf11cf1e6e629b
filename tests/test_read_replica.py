"""Read replicas (TR_DATABASE_READ_URL) against a real PostgreSQL streaming replica.

PostgreSQL only, so this module is collected only when TR_TEST_DATABASE_URL is set
(tests/conftest.py leaves it out otherwise: SQLite has no replicas, and a skipped test would
pretend to check something). It needs PostgreSQL 15's server binaries on this machine
(initdb, pg_ctl, pg_basebackup) and root, to run them as the `postgres` user: a throw-away
primary and a replica cloned from it with pg_basebackup are started on free ports in a
temporary directory, and stopped and removed afterwards.

What it shows: a write answers X-Consistency-Token; a read sending it back right after the
write sees the write; with the replica's replay paused (lagging), a read with the token
bypasses it (served by the primary) while a read without one is served by the replica,
stale as documented; every read's audit row is written on the primary. Exports follow
the same rule: GET /v1/export reads the replica unless its token is past it, and a FHIR
$export job reads where the primary's position at its claim has been replayed, so it shows
every write committed before it ran, even while the replica lags.
"""

import asyncio
import json
import shutil
import socket
import subprocess
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest
from sqlalchemy import text

from app.cli_migrate import upgrade
from app.config import Settings
from app.db import Database
from app.main import WeakConfiguration, create_app, refuse_weak
from app.services import fhir_export
from tests.support.clients import SECRET, client_with, token
from tests.support.factories import patient, patient_body

pytestmark = [pytest.mark.slow, pytest.mark.anyio]
BIN = Path("/usr/lib/postgresql/15/bin")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_postgres(*command: str) -> None:
    subprocess.run(
        ["runuser", "-u", "postgres", "--", *command],
        check=True,
        capture_output=True,
        timeout=120,
    )


def _start(data: Path, port: int) -> None:
    options = f"-p {port} -k {data.parent} -c listen_addresses=127.0.0.1"
    _as_postgres(
        str(BIN / "pg_ctl"), "-D", str(data), "-l", f"{data}.log", "-w", "-o", options, "start"
    )


@pytest.fixture(scope="module")
def cluster() -> Iterator[tuple[str, str]]:
    """(primary URL, replica URL) of a fresh primary with the schema and its replica."""
    root = Path(tempfile.mkdtemp(prefix="tr-replica-"))
    shutil.chown(root, "postgres")
    primary, replica = root / "primary", root / "replica"
    started: list[Path] = []
    try:
        _as_postgres(str(BIN / "initdb"), "-D", str(primary), "-A", "trust", "-U", "postgres", "-N")
        with (primary / "pg_hba.conf").open("a") as hba:
            hba.write("host replication all 127.0.0.1/32 trust\n")
        with (primary / "postgresql.conf").open("a") as conf:
            conf.write("wal_level = replica\nfsync = off\nshared_buffers = 16MB\n")
        p_port, r_port = _free_port(), _free_port()
        _start(primary, p_port)
        started.append(primary)
        _as_postgres(str(BIN / "createdb"), "-h", "127.0.0.1", "-p", str(p_port), "tr")
        primary_url = f"postgresql://postgres@127.0.0.1:{p_port}/tr"
        upgrade(Settings(database_url=primary_url, jwt_secret=SECRET))
        _as_postgres(
            str(BIN / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(p_port), "-U", "postgres",
            "-D", str(replica), "-R", "-X", "stream", "--no-sync", "-c", "fast",
        )  # fmt: skip
        _start(replica, r_port)
        started.append(replica)
        yield primary_url, f"postgresql://postgres@127.0.0.1:{r_port}/tr"
    finally:
        for data in reversed(started):
            _as_postgres(str(BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop")
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
async def replicated(cluster: tuple[str, str]) -> AsyncIterator[httpx.AsyncClient]:
    primary_url, replica_url = cluster
    settings = Settings(database_url=primary_url, database_read_url=replica_url, jwt_secret=SECRET)
    app = create_app(settings)
    async with client_with(app, token(settings)) as c:
        yield c
    await app.state.database.dispose()


async def _replayed(replica: asyncpg.Connection, lsn: str) -> bool:
    return bool(await replica.fetchval("SELECT pg_last_wal_replay_lsn() >= $1::text::pg_lsn", lsn))


async def _audited(primary: asyncpg.Connection, answer: httpx.Response) -> int:
    rid = answer.headers["x-request-id"]
    return int(await primary.fetchval("SELECT count(*) FROM audit_event WHERE request_id=$1", rid))


async def test_reads_follow_the_consistency_token(
    cluster: tuple[str, str], replicated: httpx.AsyncClient
) -> None:
    c = replicated
    primary = await asyncpg.connect(cluster[0])
    replica = await asyncpg.connect(cluster[1])
    try:
        # Right after a write, a read with its token sees it (primary, or a caught-up replica).
        first = await c.post("/v1/patients", json=patient_body())
        assert first.status_code == 201, first.text
        fresh = first.headers["x-consistency-token"]
        pid = first.json()["id"]
        seen = await c.get(f"/v1/patients/{pid}", headers={"X-Consistency-Token": fresh})
        assert seen.status_code == 200
        assert await _audited(primary, seen) == 1

        # The replica lags (replay paused): the token's read bypasses it ...
        await replica.execute("SELECT pg_wal_replay_pause()")
        second = await patient(c)
        late = await c.post("/v1/patients", json=patient_body())
        lsn = late.headers["x-consistency-token"]
        assert not await _replayed(replica, lsn)
        with_token = await c.get(
            f"/v1/patients/{late.json()['id']}", headers={"X-Consistency-Token": lsn}
        )
        assert with_token.status_code == 200
        listed = await c.get("/v1/patients?limit=500", headers={"X-Consistency-Token": lsn})
        assert {second["id"], late.json()["id"]} <= {p["id"] for p in listed.json()["items"]}
        # ... and a read without one is served by the replica: stale, as documented.
        stale = await c.get(f"/v1/patients/{late.json()['id']}")
        assert stale.status_code == 404
        stale_list = await c.get("/v1/patients?limit=500")
        assert late.json()["id"] not in {p["id"] for p in stale_list.json()["items"]}
        # Every read's audit row was written on the primary (the replica is read-only).
        for answer in (with_token, listed, stale, stale_list):
            assert await _audited(primary, answer) == 1
        assert await _audited(replica, stale_list) == 0

        # Replay resumed: the replica catches up and serves the write without a token.
        await replica.execute("SELECT pg_wal_replay_resume()")
        for _ in range(600):  # at most ~30 s; replay reports no event to wait for
            if await _replayed(replica, lsn):
                break
            await asyncio.sleep(0.05)
        assert (await c.get(f"/v1/patients/{late.json()['id']}")).status_code == 200

        bad = await c.get(f"/v1/patients/{pid}", headers={"X-Consistency-Token": "soon"})
        assert bad.status_code == 400
        assert bad.headers["content-type"].startswith("application/problem+json")
    finally:
        await replica.execute("SELECT pg_wal_replay_resume()")
        await primary.close()
        await replica.close()


async def _exported_ids(c: httpx.AsyncClient, headers: dict[str, str]) -> set[str]:
    answer = await c.get("/v1/export?types=patient", headers=headers)
    assert answer.status_code == 200, answer.text
    return {json.loads(line)["id"] for line in answer.text.splitlines()}


async def test_exports_read_the_replica_only_where_it_has_replayed(
    cluster: tuple[str, str],
) -> None:
    primary_url, replica_url = cluster
    settings = Settings(database_url=primary_url, database_read_url=replica_url, jwt_secret=SECRET)
    app = create_app(settings)
    replica = await asyncpg.connect(replica_url)
    try:
        async with client_with(app, token(settings)) as c:
            await replica.execute("SELECT pg_wal_replay_pause()")
            late = await c.post("/v1/patients", json=patient_body())
            assert late.status_code == 201, late.text
            lsn, late_id = late.headers["x-consistency-token"], late.json()["id"]
            assert not await _replayed(replica, lsn)
            # GET /v1/export: the replica without a token (stale), the primary with it.
            assert late_id not in await _exported_ids(c, {})
            assert late_id in await _exported_ids(c, {"X-Consistency-Token": lsn})
            # A $export job run while the replica still lags shows the write all the same.
            kicked = await c.get(
                "/fhir/$export?_type=Patient",
                headers={"Prefer": "respond-async", "Accept": "application/fhir+json"},
            )
            assert kicked.status_code == 202, kicked.text
            assert await fhir_export.run_next(app.state.database, settings, "test-worker")
            assert not await _replayed(replica, lsn)
            manifest = (await c.get(kicked.headers["content-location"])).json()
            [patients] = manifest["output"]
            ndjson = (await c.get(patients["url"])).text
            assert late_id in {json.loads(line)["id"] for line in ndjson.splitlines()}
    finally:
        await replica.execute("SELECT pg_wal_replay_resume()")
        await replica.close()
        await app.state.database.dispose()


async def test_the_replicas_readers_run_in_autocommit(cluster: tuple[str, str]) -> None:
    """As the primary's pure readers: no BEGIN and COMMIT round trips, hot reads on the
    driver (repositories/driver.py)."""
    primary_url, replica_url = cluster
    settings = Settings(database_url=primary_url, database_read_url=replica_url, jwt_secret=SECRET)
    database = Database.open(settings)
    try:
        assert database.replica is not None
        async with database.replica.engine.connect() as connection:
            assert connection.sync_connection is not None
            options = connection.sync_connection.get_execution_options()
            assert await connection.scalar(text("SELECT pg_is_in_recovery()")) is True
    finally:
        await database.dispose()
    assert options["isolation_level"] == "AUTOCOMMIT"


def test_sqlite_refuses_a_read_url() -> None:
    settings = Settings(
        database_url="sqlite:///var/x.db",
        database_read_url="postgresql://replica/tr",
        jwt_secret=SECRET,
    )
    with pytest.raises(WeakConfiguration, match="TR_DATABASE_READ_URL needs PostgreSQL"):
        refuse_weak(settings)
