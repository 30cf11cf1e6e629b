"""Engine and session factory, built from settings (nothing connects at import time)."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.ext.asyncio import AsyncSession as AsyncSession

from app.config import Settings, sqlite_path
from app.errors import Unavailable


def create_engine(settings: Settings) -> AsyncEngine:
    url = settings.async_database_url
    if settings.is_sqlite:
        path = sqlite_path(url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(
            url,
            hide_parameters=True,
            connect_args={"timeout": settings.db_timeout_seconds},
            execution_options={BUSY_MS: int(settings.db_timeout_seconds * 1000)},
        )
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
        return engine
    return create_async_engine(
        url,
        pool_size=settings.db_pool_size,
        pool_pre_ping=True,
        hide_parameters=True,  # error messages must not carry patient data into logs
        pool_timeout=settings.db_timeout_seconds,
        connect_args={
            "timeout": settings.db_timeout_seconds,
            "server_settings": {
                # A request waits for a row lock at most this long, then gets a 503 ...
                "lock_timeout": str(int(settings.db_timeout_seconds * 1000)),
                # ... and no statement runs away with a connection (cancelled: 503).
                "statement_timeout": str(int(settings.db_statement_timeout_seconds * 1000)),
            },
        },
    )


WRITE = {"tr_write": True}
# SQLite: how long BEGIN may wait for another connection's write lock (the time a unit of
# work has left of its TR_DB_TIMEOUT_SECONDS; the engine's default is all of it).
BUSY_MS = "tr_busy_ms"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # The driver's own transaction handling is off: _sqlite_begin opens every transaction,
    # which also makes SAVEPOINT work as SQLAlchemy expects.
    dbapi_connection.isolation_level = None
    # SQLite leaves foreign keys off per connection; WAL lets readers run beside the writer.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    # A writing request takes the write lock up front (BEGIN IMMEDIATE): it waits its turn
    # (busy timeout) instead of failing half-way with "database is locked" when it upgrades
    # from reader to writer; reads stay plain deferred transactions beside it (WAL).
    options = connection.get_execution_options()
    busy_ms = options.get(BUSY_MS)
    if busy_ms is not None:
        connection.exec_driver_sql(f"PRAGMA busy_timeout = {max(1, int(busy_ms))}")
    connection.exec_driver_sql("BEGIN IMMEDIATE" if options.get("tr_write") else "BEGIN")


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    # Responses are built after commit: keep loaded attributes instead of re-reading them.
    return async_sessionmaker(engine, expire_on_commit=False)


class WriteTurn:
    """SQLite admits one writer at a time; inside one process, writers queue here in order
    (an asyncio lock) rather than polling the file lock with back-off sleeps, which gave
    second-long tails under load. Other processes still wait on the busy timeout. On
    PostgreSQL it is a no-op: writers of one patient are serialised by a row lock."""

    def __init__(self, sqlite: bool) -> None:
        self._lock = asyncio.Lock() if sqlite else None

    @asynccontextmanager
    async def within(self, seconds: float) -> AsyncIterator[None]:
        """Hold the turn; a writer still queued after `seconds` gets Unavailable (503) instead
        of waiting on behind writers that are themselves waiting for a busy database."""
        if self._lock is None:
            yield
            return
        try:
            async with asyncio.timeout(max(seconds, 0)):
                await self._lock.acquire()
        except TimeoutError as exc:
            raise Unavailable("the database is busy; retry shortly") from exc
        try:
            yield
        finally:
            self._lock.release()


@dataclass(frozen=True, slots=True)
class Database:
    """What a unit of work opens: the engine, its sessions and the process's queue of
    SQLite writers (one per process, shared by every unit of work in it)."""

    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    turn: WriteTurn

    @classmethod
    def open(cls, settings: Settings) -> "Database":
        engine = create_engine(settings)
        return cls(engine, create_sessionmaker(engine), WriteTurn(settings.is_sqlite))

    async def dispose(self) -> None:
        await self.engine.dispose()
