"""Test databases, app and clients. The same suite runs on SQLite and on PostgreSQL.

TR_TEST_DATABASE_URL selects PostgreSQL (CI creates a fresh database; the tests' own are
created next to it); otherwise SQLite files. Each test that touches the database gets one of
its own, fresh and empty, its schema built by the migrations as in production.
"""

import os
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from fastapi import FastAPI

from app.config import Settings
from app.main import create_app
from tests.support.clients import SECRET, client_with, token
from tests.support.databases import Databases

# PostgreSQL only (a streaming replica of its own; connections to lose; reads on asyncpg):
# not collected on SQLite.
collect_ignore = (
    []
    if os.environ.get("TR_TEST_DATABASE_URL")
    else ["test_read_replica.py", "test_pool_ping.py", "test_pool_deadline.py", "test_driver.py"]
)


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Databases]:
    made = Databases(os.environ.get("TR_TEST_DATABASE_URL"), tmp_path_factory.mktemp("db"))
    yield made
    made.close()


@pytest.fixture
def database_url(databases: Databases) -> Iterator[str]:
    """This test's own database: settings, empty, dropped afterwards."""
    url = databases.new()
    yield url
    databases.drop(url)


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, jwt_secret=SECRET)


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    """A fresh app per test: its connection pool belongs to that test's event loop."""
    application = create_app(settings)
    yield application
    await application.state.engine.dispose()


@pytest.fixture
async def client(app: FastAPI, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """A client holding a token with every scope but admin."""
    async with client_with(app, token(settings)) as c:
        yield c


@pytest.fixture
async def anon(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with client_with(app, None) as c:
        yield c


@pytest.fixture
async def lab_client(app: FastAPI, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """What a laboratory interface gets: labs:write only."""
    async with client_with(app, token(settings, "labs:write", sub="lab-interface")) as c:
        yield c
