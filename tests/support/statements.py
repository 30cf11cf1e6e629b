"""The SQL statements sent to the database, for tests that count or compare them."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine


@contextmanager
def sent_statements(engine: AsyncEngine) -> Iterator[list[str]]:
    """The SQL statements sent through `engine` (an app's: app.state.engine) meanwhile:
    their text, not their values; SQLite's busy timeout, set before each BEGIN to the time
    a request has left, is no query."""
    sent: list[str] = []

    def record(*args: Any) -> None:
        if not args[2].startswith("PRAGMA busy_timeout"):
            sent.append(args[2])

    target = engine.sync_engine
    event.listen(target, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(target, "before_cursor_execute", record)
