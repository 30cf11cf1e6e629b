"""A served app (uvicorn on loopback) on a database of the module's own, for the fuzzer."""

from collections.abc import Iterator

import pytest

from tests.support.clients import SECRET
from tests.support.databases import Databases
from tests.support.serving import Server


@pytest.fixture(scope="module")
def served(databases: Databases, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    url = databases.new()
    log = tmp_path_factory.mktemp("served") / "server.log"
    try:
        with Server(url, SECRET, log) as server:
            yield server
    finally:
        databases.drop(url)
