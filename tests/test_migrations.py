"""upgrade head, check (no drift), downgrade base, upgrade head again: on a fresh database."""

import asyncio
from collections.abc import Iterator

import pytest
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import create_async_engine

from app import cli_migrate
from app.config import Settings, to_async_url
from app.models import Base
from tests.support.databases import Databases


@pytest.fixture
def fresh_url(databases: Databases) -> Iterator[str]:
    url = databases.empty("migrations")
    yield url
    databases.drop(url)


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
