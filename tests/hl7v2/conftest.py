"""The HL7 v2 door of a Madrid hospital (the senders of messages.py), in process."""

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from app.config import Settings
from app.main import create_app
from tests.hl7v2.messages import CODE_MAP
from tests.support.clients import SECRET, client_with, token


@pytest.fixture
def hl7_settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        jwt_secret=SECRET,
        hl7_code_map=CODE_MAP,
        hl7_timezone="Europe/Madrid",
    )


@pytest.fixture
async def hl7_app(hl7_settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(hl7_settings)
    yield application
    await application.state.engine.dispose()


@pytest.fixture
async def clinic(hl7_app: FastAPI, hl7_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The clinic's own client (every scope but admin): registers patients, reads results."""
    async with client_with(hl7_app, token(hl7_settings)) as c:
        yield c


@pytest.fixture
async def engine(hl7_app: FastAPI, hl7_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The integration engine that relays the laboratories' messages: labs:write only."""
    async with client_with(hl7_app, token(hl7_settings, "labs:write", sub="engine")) as c:
        yield c
