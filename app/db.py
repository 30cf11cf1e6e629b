"""Engine and session factory, built from settings (nothing connects at import time)."""

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event, exc, text
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.ext.asyncio import AsyncSession as AsyncSession

from app.config import Settings, sqlite_path, to_async_url
from app.errors import Unavailable, is_transient


def create_engine(settings: Settings, url: str | None = None) -> AsyncEngine:
    """The primary's engine, or (`url`) a PostgreSQL read replica's with the same limits."""
    url = url or settings.async_database_url
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
    engine = create_async_engine(
        url,
        pool_size=settings.db_pool_size,
        # The pool's connections stay open; a request beyond them waits for one (at most
        # TR_DB_TIMEOUT_SECONDS, then 503). Overflow connections would be opened and closed
        # again request after request under a steady load above the pool's size: a new
        # server process, authentication and cold statement caches each time.
        max_overflow=0,
        hide_parameters=True,  # error messages must not carry patient data into logs
        pool_timeout=settings.db_timeout_seconds,
        connect_args={
            "timeout": settings.db_timeout_seconds,
            "server_settings": {
                # A request waits for a row lock at most this long, then gets a 503 (a write's
                # patient locks: what is left of it, repositories/patients.py) ...
                "lock_timeout": str(int(settings.db_timeout_seconds * 1000)),
                # ... and no statement runs away with a connection (cancelled: 503).
                "statement_timeout": str(int(settings.db_statement_timeout_seconds * 1000)),
            },
        },
    )
    _ping_when_idle(engine)
    return engine


# A pooled connection idle longer than this is pinged before it is handed out (a restart
# or failover of PostgreSQL while the pool slept costs no request). One used more recently
# is not: a ping is a round trip (three with the driver's own pre-ping: BEGIN, ;, ROLLBACK)
# on every checkout of a busy pool. A connection broken within that second fails its
# request with a 503 (Retry-After), and SQLAlchemy then replaces the whole pool.
PING_AFTER_IDLE_SECONDS = 1.0
_IDLE_SINCE = "tr_idle_since"


def _ping_when_idle(engine: AsyncEngine) -> None:
    dialect = engine.dialect

    @event.listens_for(engine.sync_engine, "checkin")
    def idle_from(_dbapi_connection: Any, record: Any) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get(_IDLE_SINCE)
        if since is None or time.monotonic() - since <= PING_AFTER_IDLE_SECONDS:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as error:
            raise exc.DisconnectionError("a pooled connection did not answer its ping") from error


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


# Writes the rows of one batch, each a caller's, on the batch's connection (no commit), in one
# statement: on PostgreSQL the batch runs in autocommit, and asyncpg's executemany is atomic
# (every row or none), so that statement is the batch's transaction and its commit.
Writer = Callable[[AsyncConnection, list[Any]], Awaitable[None]]


@dataclass(slots=True)
class _Queued:
    writer: Writer
    row: Any
    deadline: float  # time.monotonic() by which its caller must have its answer
    done: "asyncio.Future[None]"


class GroupCommit:
    """Rows of concurrent callers written in one transaction and made durable by one commit:
    `write` returns once its row's batch has committed (or raises what failed it). While one
    batch commits, the rows that arrive meanwhile wait together for the next, so a busy
    process commits about once per commit's latency instead of once per caller, and a quiet
    one commits at once. The batch waits for the write turn and the database only as long as
    the most hurried of its callers may (SQLite: the write turn, then BEGIN IMMEDIATE).
    `engine`: on PostgreSQL the autocommit one (autocommit()): a batch is its writer's one
    statement, without a BEGIN and a COMMIT round trip around it; a Core connection (no ORM
    session: nothing is loaded, it runs for every read)."""

    def __init__(self, engine: AsyncEngine, turn: WriteTurn) -> None:
        self._engine = engine
        self._turn = turn
        self._queue: list[_Queued] = []
        self._writing: asyncio.Task[None] | None = None

    async def write(self, writer: Writer, row: Any, deadline: float) -> None:
        # The row is written whether or not its caller waits.
        await asyncio.shield(self.post(writer, row, deadline))

    def post(self, writer: Writer, row: Any, deadline: float) -> "asyncio.Future[None]":
        """Queue a row for the next batch; the future is done once that batch has committed
        (`write` waits for it; a row nobody needs to wait for is only posted)."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        # A caller that gave up (cancelled) does not leave its batch's failure unread.
        done.add_done_callback(lambda f: f.cancelled() or f.exception())
        self._queue.append(_Queued(writer, row, deadline, done))
        if self._writing is None or self._writing.done():
            self._writing = asyncio.create_task(self._drain())
        return done

    async def _drain(self) -> None:
        while self._queue:
            batch, self._queue = self._queue, []
            await self._settle(batch)

    async def _settle(self, batch: list[_Queued]) -> None:
        try:
            await self._commit(batch)
        except Exception as exc:
            if len(batch) > 1 and not is_transient(exc):
                for queued in batch:  # a row that cannot be written fails its caller alone
                    await self._settle([queued])
                return
            for queued in batch:  # the database is busy or gone: the same for every row
                queued.done.set_exception(exc)
        else:
            for queued in batch:
                queued.done.set_result(None)

    async def _commit(self, batch: list[_Queued]) -> None:
        deadline = min(queued.deadline for queued in batch)
        writers: dict[Writer, list[Any]] = {}
        for queued in batch:
            writers.setdefault(queued.writer, []).append(queued.row)
        async with (
            self._turn.within(deadline - time.monotonic()),
            self._engine.connect() as connection,
        ):
            left_ms = int((deadline - time.monotonic()) * 1000)
            await connection.execution_options(**WRITE, **{BUSY_MS: left_ms})
            async with connection.begin():
                for writer, rows in writers.items():
                    await writer(connection, rows)


@dataclass(frozen=True, slots=True)
class Replica:
    """A PostgreSQL streaming replica (TR_DATABASE_READ_URL): reads may be served there."""

    engine: AsyncEngine

    async def has_replayed(self, token: str) -> bool:
        """Whether the replica has replayed the primary's WAL up to `token` (an LSN)."""
        async with self.engine.connect() as connection:
            replayed = await connection.scalar(
                text("SELECT pg_last_wal_replay_lsn() >= CAST(CAST(:token AS text) AS pg_lsn)"),
                {"token": token},
            )
        return bool(replayed)


async def wal_position(session: AsyncSession) -> str:
    """The primary's WAL insert position, asked after a commit: at or past the commit's
    record, so a replica that has replayed to it sees the commit (the consistency token)."""
    return str(await session.scalar(text("SELECT pg_current_wal_insert_lsn()::text")))


def autocommit(engine: AsyncEngine) -> AsyncEngine:
    """On PostgreSQL, the engine whose statements each commit on their own: no BEGIN and
    COMMIT round trips around a single statement. For pure reads (under READ COMMITTED every
    statement takes its own snapshot inside a transaction too, so they answer the same) and
    a group commit's one-statement batches. The same pool, hence the same events; SQLite
    keeps its transactions (its writers need BEGIN IMMEDIATE)."""
    if engine.dialect.name != "postgresql":
        return engine
    return engine.execution_options(isolation_level="AUTOCOMMIT")


@dataclass(frozen=True, slots=True)
class Database:
    """What a unit of work opens: the engine, its sessions, the process's queue of SQLite
    writers (one per process, shared by every unit of work in it) and its group commit;
    `replica`: the read replica, when one is configured (its audit rows still go here);
    `reads`: the primary's engine for a reader that only reads (autocommit)."""

    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    turn: WriteTurn
    replica: Replica | None = None
    reads: AsyncEngine = field(init=False)
    group: GroupCommit = field(init=False)

    def __post_init__(self) -> None:
        one_by_one = autocommit(self.engine)
        object.__setattr__(self, "reads", one_by_one)
        object.__setattr__(self, "group", GroupCommit(one_by_one, self.turn))

    @classmethod
    def open(cls, settings: Settings) -> "Database":
        engine = create_engine(settings)
        replica = None
        if settings.database_read_url and not settings.is_sqlite:
            # Only pure readers use it: autocommit, as `reads` (no BEGIN and COMMIT round
            # trips; their hot statements on the driver, repositories/driver.py).
            reader = create_engine(settings, to_async_url(settings.database_read_url))
            replica = Replica(autocommit(reader))
        return cls(engine, create_sessionmaker(engine), WriteTurn(settings.is_sqlite), replica)

    async def dispose(self) -> None:
        await self.engine.dispose()
        if self.replica is not None:
            await self.replica.engine.dispose()
