"""Test database, app and clients. The same suite runs on SQLite and on PostgreSQL.

TR_TEST_DATABASE_URL selects PostgreSQL (CI creates a fresh database); otherwise each run
migrates a new SQLite file. The schema is built by the migrations, as in production.
"""

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from app import cli_migrate
from app.config import Settings
from app.main import create_app
from app.security import mint_token

SECRET = "test-secret-" + "x" * 40
ALL_SCOPES = "records:read records:write labs:write audit:read"


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


def token(settings: Settings, scope: str = ALL_SCOPES, sub: str = "tester") -> str:
    return mint_token(settings, sub, scope)


@pytest.fixture
async def client(app: FastAPI, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """A client holding a token with every scope but admin."""
    async with _client(app, token(settings)) as c:
        yield c


@pytest.fixture
async def anon(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with _client(app, None) as c:
        yield c


def _client(app: FastAPI, bearer: str | None) -> httpx.AsyncClient:
    headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test", headers=headers
    )


def client_with(app: FastAPI, bearer: str | None) -> httpx.AsyncClient:
    return _client(app, bearer)


def unique_mrn() -> str:
    return f"T-{uuid.uuid4().hex[:12]}"


ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
async def lab_client(app: FastAPI, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """What a laboratory interface gets: labs:write only."""
    async with _client(app, token(settings, "labs:write", sub="lab-interface")) as c:
        yield c
