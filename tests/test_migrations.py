"""upgrade head, check (no drift), downgrade base, upgrade head again: on a fresh database."""

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from app import cli_migrate
from app.config import Settings, to_async_url
from app.models import Base


@pytest.fixture
def fresh_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    name = f"tr_migrations_{uuid.uuid4().hex[:8]}"
    asyncio.run(_admin(database_url, f'CREATE DATABASE "{name}"'))
    yield make_url(database_url).set(database=name).render_as_string(hide_password=False)
    asyncio.run(_admin(database_url, f'DROP DATABASE "{name}"'))


async def _admin(url: str, statement: str) -> None:
    engine = create_async_engine(to_async_url(url), isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        await conn.execute(text(statement))
    await engine.dispose()


def _tables(url: str) -> set[str]:
    async def read() -> set[str]:
        engine = create_async_engine(to_async_url(url))
        async with engine.connect() as conn:
            names = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
        await engine.dispose()
        return names

    return asyncio.run(read())


def test_migrations_round_trip_without_drift(fresh_url: str) -> None:
    settings = Settings(database_url=fresh_url)
    expected = set(Base.metadata.tables)
    cli_migrate.upgrade(settings)
    assert expected <= _tables(fresh_url)
    cli_migrate.check(settings)
    cli_migrate.downgrade(settings)
    assert _tables(fresh_url) & expected == set()
    cli_migrate.upgrade(settings)
    assert expected <= _tables(fresh_url)
    cli_migrate.check(settings)
