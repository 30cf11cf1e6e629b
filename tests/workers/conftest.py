"""An app whose webhooks may reach 127.0.0.1 and retry within the second, its clients, and a
fresh receiver per test."""

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from fastapi import FastAPI

from app.config import Settings
from app.main import create_app
from tests.support.clients import client_with, token
from tests.support.receiver import Receiver
from tests.support.webhooks import admin_client, local


@pytest.fixture
def quick(settings: Settings) -> Settings:
    return local(settings)


@pytest.fixture
async def service(quick: Settings) -> AsyncIterator[FastAPI]:
    app = create_app(quick)
    yield app
    await app.state.engine.dispose()


@pytest.fixture
async def admin(service: FastAPI, quick: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with admin_client(service, quick) as c:
        yield c


@pytest.fixture
async def writer(service: FastAPI, quick: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with client_with(service, token(quick)) as c:
        yield c


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as running:
        yield running
