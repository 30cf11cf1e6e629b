"""Replicas starting together run `python -m app migrate` at the same moment: one migrates,
the others wait for it and find the schema current (PostgreSQL advisory lock; SQLite's
write lock taken up front). Every process succeeds and the schema is at the head once."""

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from app.config import to_async_url
from app.services.health import schema_head
from tests.support.clients import ROOT
from tests.support.databases import Databases

pytestmark = pytest.mark.slow  # starts migrator processes
MIGRATORS = 4


async def _version(url: str) -> list[str]:
    engine = create_async_engine(to_async_url(url))
    try:
        async with engine.connect() as conn:
            result = await conn.execute(text("SELECT version_num FROM alembic_version"))
            return [str(row[0]) for row in result]
    finally:
        await engine.dispose()


@pytest.fixture
def empty_url(databases: Databases) -> Iterator[str]:
    url = databases.empty("together")
    yield url
    databases.drop(url)


def test_replicas_migrating_together_all_succeed(empty_url: str) -> None:
    env = {**os.environ, "TR_DATABASE_URL": empty_url}
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "app", "migrate"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        for _ in range(MIGRATORS)
    ]
    outputs = [p.communicate(timeout=120)[0].decode(errors="replace") for p in processes]
    assert [p.returncode for p in processes] == [0] * MIGRATORS, outputs
    assert asyncio.run(_version(empty_url)) == [schema_head()]
