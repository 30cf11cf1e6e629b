"""The SQL statements an app sends, for tests that count or compare them."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import FastAPI
from sqlalchemy import event


@contextmanager
def sent_statements(app: FastAPI) -> Iterator[list[str]]:
    """The SQL statements the app sends meanwhile (their text, not their values; SQLite's
    busy timeout, set before each BEGIN to the time a request has left, is no query)."""
    sent: list[str] = []

    def record(*args: Any) -> None:
        if not args[2].startswith("PRAGMA busy_timeout"):
            sent.append(args[2])

    engine = app.state.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", record)
