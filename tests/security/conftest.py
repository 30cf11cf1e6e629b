"""A served app (uvicorn on loopback) on the suite's migrated database, for the fuzzer."""

from collections.abc import Iterator

import pytest

from app.config import Settings
from tests.support.serving import Server


@pytest.fixture(scope="module")
def served(migrated: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    log = tmp_path_factory.mktemp("served") / "server.log"
    with Server(migrated.database_url, migrated.jwt_secret or "", log) as server:
        yield server
