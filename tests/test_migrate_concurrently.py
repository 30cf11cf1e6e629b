"""Replicas starting together run `python -m app migrate` at the same moment: one migrates,
the others wait for it and find the schema current (PostgreSQL advisory lock; SQLite's
write lock taken up front). Every process succeeds and the schema is at the head once."""

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from app.config import to_async_url
from app.services.health import schema_head
from tests.conftest import ROOT

MIGRATORS = 4


async def _run(url: str, statement: str, autocommit: bool = False) -> list[str]:
    options = {"isolation_level": "AUTOCOMMIT"} if autocommit else {}
    engine = create_async_engine(to_async_url(url), **options)
    try:
        async with engine.connect() as conn:
            result = await conn.execute(text(statement))
            return [str(row[0]) for row in result] if result.returns_rows else []
    finally:
        await engine.dispose()


@pytest.fixture
def empty_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'together.db'}"
        return
    name = f"tr_together_{uuid.uuid4().hex[:8]}"
    asyncio.run(_run(database_url, f'CREATE DATABASE "{name}"', autocommit=True))
    yield make_url(database_url).set(database=name).render_as_string(hide_password=False)
    asyncio.run(_run(database_url, f'DROP DATABASE "{name}" WITH (FORCE)', autocommit=True))


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
    assert asyncio.run(_run(empty_url, "SELECT version_num FROM alembic_version")) == [
        schema_head()
    ]
