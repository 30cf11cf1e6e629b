"""A Database of the test's own settings, for tests that open units of work directly."""

from collections.abc import AsyncIterator

import pytest

from app.config import Settings
from app.db import Database


@pytest.fixture
async def database(settings: Settings) -> AsyncIterator[Database]:
    opened = Database.open(settings)
    yield opened
    await opened.dispose()
