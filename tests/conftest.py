"""Test database, app and clients. The same suite runs on SQLite and on PostgreSQL.

TR_TEST_DATABASE_URL selects PostgreSQL (CI creates a fresh database); otherwise each run
migrates a new SQLite file. The schema is built by the migrations, as in production.
"""

import os
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from app import cli_migrate
from app.config import Settings
from app.main import create_app
from tests.support.clients import SECRET, client_with, token


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("TR_TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, jwt_secret=SECRET)


@pytest.fixture(scope="session")
def migrated(settings: Settings) -> Settings:
    cli_migrate.upgrade(settings)
    return settings


@pytest.fixture
async def app(migrated: Settings) -> AsyncIterator[FastAPI]:
    """A fresh app per test: its connection pool belongs to that test's event loop."""
    application = create_app(migrated)
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
