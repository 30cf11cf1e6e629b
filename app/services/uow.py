"""The unit of work: one transaction with its caller, the patients it locked and changed, its
audit record, its outbox events and its Idempotency-Key, committed or rolled back as one.

Every entry point opens it the same way (HTTP requests, CLI jobs, the benchmarks' seed):

    async with UnitOfWork(database, caller, settings, write=True) as uow:
        ...                      # services, given the uow
        await uow.commit()       # leaving the block without it rolls back

It is the only module of app/services that calls the session; services reach the database
through repositories, handing them `uow.session` (the ORM), or `await uow.connection()` for
Core reads (a pure reader opens only a connection), and, for anything about patients,
`uow.scope`: the organizations the caller sees, built here once from the caller.
"""

import contextlib
import functools
import time
import uuid
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import AsyncExitStack
from dataclasses import dataclass, replace
from datetime import date, datetime
from types import TracebackType
from typing import Any, Self

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from app.config import Settings
from app.db import BUSY_MS, WRITE, Database, Writer, wal_position
from app.errors import NotFound, is_transient
from app.metrics import AUDIT_FAILURES, DERIVED_LOST
from app.models import IdempotencyKey, Patient
from app.repositories import audit_events, patients
from app.repositories.scope import Scope
from app.security import ALL_ORGANIZATIONS, Principal
from app.services import stored_flags, tenancy
from app.services.outbox import Outbox

MAX_QUERY_LENGTH = 2000


@functools.cache
def _never_failing(writer: Writer) -> Writer:
    """A derived row's writer (one per writer, so a batch still groups its rows) that never
    fails the batch it shares with audit rows: on PostgreSQL those may be committed already,
    and a failed batch is written again row by row. A row lost is only evaluated again."""

    async def write(connection: AsyncConnection, rows: list[Any]) -> None:
        try:
            await writer(connection, rows)
        except Exception:
            DERIVED_LOST.inc(len(rows))

    return write


def system_caller(job: str) -> Principal:
    """The caller of a command-line job (it appears as the actor of what the job writes)."""
    return Principal(
        sub=f"system:{job}",
        scopes=frozenset({"admin"}),
        organizations=frozenset({ALL_ORGANIZATIONS}),
    )


@dataclass(frozen=True, slots=True)
class Origin:
    """The request a unit of work serves, as its audit event names it. `query`: the query
    string as sent (a search's terms are what an auditor needs to see)."""

    method: str
    path: str
    request_id: str
    client: str | None
    query: str = ""


@dataclass(slots=True)
class AuditRecord:
    """What the request touched and how it ended (the API sets the status it answers)."""

    resource_type: str | None = None
    resource_id: uuid.UUID | None = None
    patient_id: uuid.UUID | None = None
    status: int = 200
    # A list read: the patients it returned, and their organization when they share one.
    patient_ids: list[uuid.UUID] | None = None
    organization: str | None = None

    def touch(
        self,
        resource_type: str,
        resource_id: uuid.UUID | None = None,
        patient_id: uuid.UUID | None = None,
    ) -> None:
        self.resource_type = resource_type
        self.resource_id = resource_id or self.resource_id
        self.patient_id = patient_id or self.patient_id

    def about(self, resource_type: str) -> None:
        """New records or a listing of this type (no id), of the patient named already."""
        self.resource_type, self.resource_id = resource_type, None

    def listed(self, patients: Iterable[tuple[uuid.UUID, str | None]]) -> None:
        """A list read returned records of these (patient id, organization) pairs."""
        found = dict(patients)
        self.patient_ids = list(found)
        codes = set(found.values())
        self.organization = codes.pop() if len(codes) == 1 else None


@dataclass(frozen=True, slots=True)
class StoredAnswer:
    """The answer an Idempotency-Key already got: given again, nothing is run again."""

    status: int
    body: dict[str, Any]
    location: str | None


class UnitOfWork:
    """`write=True`: a writer from the start (SQLite: the process's write turn, then
    BEGIN IMMEDIATE). A reader commits its read first on SQLite and only then takes the
    turn for its audit event. `origin`: the request whose audit event is appended at
    commit (command-line jobs have none and write no audit event)."""

    def __init__(
        self,
        database: Database,
        caller: Principal,
        settings: Settings,
        *,
        write: bool = False,
        origin: Origin | None = None,
        replica: bool = False,
        token: str | None = None,
    ) -> None:
        self.caller = caller
        self.settings = settings
        self.scope: Scope = tenancy.scope_of(caller, settings)
        self.audit = AuditRecord()
        # Patients whose records this unit of work wrote: their flags are stored at commit,
        # each from the earliest instant its changes can move them from (None: from scratch).
        self.changed_patients: dict[uuid.UUID, datetime | None] = {}
        # The patients locked (their keys), as loaded under their locks: held here because
        # the session's identity map keeps rows only while something refers to them, and
        # the commit (flags, outbox) reads them again from there instead of the database.
        self._locked_rows: dict[uuid.UUID, Patient] = {}
        # Events of this transaction's changes, written at commit (or never: rollback).
        self.outbox = Outbox()
        # The Idempotency-Key claimed (its answer is stored with it before commit), or the
        # answer it already had (then the request is answered with that and runs nothing).
        self.idempotency_key: IdempotencyKey | None = None
        self.replay: StoredAnswer | None = None
        self._database = database
        self._write = write
        self._origin = origin
        self._held = AsyncExitStack()
        self._session: AsyncSession | None = None
        # A pure reader's own connection: no ORM session unless a read asks for one.
        self._connection: AsyncConnection | None = None
        self._committed = False
        self._deadline = 0.0
        # A reader that may be served by the read replica (TR_DATABASE_READ_URL), and the
        # X-Consistency-Token its caller sent back (then only a replica replayed past it).
        self._replica = replica and not write
        self._token = token
        self.served_by = "primary"
        # A writer's answer with a read replica configured: the primary's WAL position.
        self.consistency_token: str | None = None
        # Derived rows a reader keeps for later readers (status documents): posted to the
        # primary's group commit with its audit event; lost, they are only evaluated again.
        self._derived: list[tuple[Writer, Any]] = []

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            if self._connection is None:
                raise RuntimeError("the unit of work is not open (use `async with`)")
            # A pure reader that reads through the ORM after all: a session on its connection.
            self._session = AsyncSession(bind=self._connection, expire_on_commit=False)
        return self._session

    async def connection(self) -> AsyncConnection:
        """What Core reads run on: a pure reader's own connection (no ORM session to begin,
        commit and close around them: a session costs a patient read about a tenth of its
        CPU), else the session's."""
        if self._connection is not None:
            return self._connection
        return await self.session.connection()

    @property
    def actor(self) -> str:
        return self.caller.sub

    async def __aenter__(self) -> Self:
        # SQLite: the write turn and the file lock together wait at most this long.
        self._deadline = time.monotonic() + self.settings.db_timeout_seconds
        try:
            reader = await self._reader()
            if reader is not None:
                self._connection = await self._held.enter_async_context(reader.connect())
            else:
                self._session = await self._held.enter_async_context(self._database.sessions())
            if self._write:
                await self._take_write_turn()
        except BaseException:
            await self._held.aclose()
            self._session = self._connection = None
            raise
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        try:
            if not self._committed and self._session is not None:
                await self._session.rollback()
        finally:
            if self._connection is not None and self._session is not None:
                await self._session.close()  # the session a reader asked for, then its connection
            await self._held.aclose()  # the write turn first, then the session (or connection)
            self._session = self._connection = None

    async def commit(self) -> None:
        """Flush, store the flags of the changed patients, write the outbox, append the audit
        event, commit."""
        quiet = not self.changed_patients and not self.outbox.pending
        if not self._write and self._origin is not None and quiet:
            # A read: its transaction ends (nothing to make durable), then its audit event is
            # written with those of the process's concurrent reads, in one transaction whose
            # commit it waits for: no read is answered before its audit row is durable, and
            # reads share one commit (and, on SQLite, one turn at the write lock).
            await self._end_read()
            self._committed = True
            event = self._event(self._origin)
            group = self._database.group
            for writer, row in self._derived:  # in the audit event's batch, not waited for
                group.post(_never_failing(writer), row, self._deadline)
            await group.write(audit_events.append_batch, event, self._deadline)
            return
        session = self.session
        await session.flush()  # the batched inserts first: the rules must see them
        if self.changed_patients:
            await self.store_flags(self.changed_patients, self.settings.today())
        self.changed_patients.clear()
        written = await self.outbox.flush(session, self.settings, self._locked_rows)
        # With the audit event, in one round trip where the database allows.
        events = [] if self._origin is None else [self._event(self._origin)]
        await audit_events.append(session, events, ahead=written)
        await session.commit()
        self._committed = True
        if self._write and self._database.replica is not None:
            self.consistency_token = await wal_position(session)

    async def _end_read(self) -> None:
        """A reader's transaction ends, and its connection goes back to the pool before it
        waits for its audit batch (which needs a pooled connection of its own)."""
        if self._session is not None:
            await self._session.commit()  # a session gives its connection back at commit
        if self._connection is not None:
            if self._connection.in_transaction():
                await self._connection.commit()
            await self._connection.close()

    def keep(self, writer: Writer, row: Any) -> None:
        """A reader's derived row (a status document), written after its read with its audit
        event. A writer keeps nothing: its changes would outdate the row."""
        if not self._write and not self.changed_patients:
            self._derived.append((writer, row))

    def changed(self, patient_id: uuid.UUID, moved_from: datetime | None) -> None:
        """A record of the patient was written: its flags are to be stored at commit, and
        only remission can have moved, only from `moved_from` on (None: anything can)."""
        if patient_id not in self.changed_patients:
            self.changed_patients[patient_id] = moved_from
            return
        known = self.changed_patients[patient_id]
        if known is None or moved_from is None:
            self.changed_patients[patient_id] = None
        else:
            self.changed_patients[patient_id] = min(known, moved_from)

    async def store_flags(self, changed: Mapping[uuid.UUID, datetime | None], as_of: date) -> None:
        """Store these patients' flags as of a date (one stored_flags.store_many), holding
        their write locks, taken together in id order. Each patient's instant: see
        `changed` (None: evaluated from all its records)."""
        ids = sorted(changed)
        for patient_id in await self.lock_patients(ids):
            await self.lock_patient(patient_id)  # one entered in error, or NotFound
        patients = [self._locked_rows[patient_id] for patient_id in ids]
        await stored_flags.store_many(
            self.session, self.scope, patients, as_of, self.settings, self.outbox, changed
        )

    @contextlib.asynccontextmanager
    async def hypothetical(self) -> AsyncIterator[None]:
        """Writes made inside are seen by the reads inside, then undone (a savepoint rolled
        back, whatever happens): no row, version, event or stored flag survives it."""
        outbox, changed = self.outbox, dict(self.changed_patients)
        locked_rows = dict(self._locked_rows)
        self.outbox = Outbox()  # the events of the writes inside are dropped with them
        savepoint = await self.session.begin_nested()
        try:
            yield
        finally:
            await savepoint.rollback()
            self.outbox, self.changed_patients = outbox, changed
            self._locked_rows = locked_rows  # a savepoint's row locks go with it

    async def lock_patient(self, patient_id: uuid.UUID) -> None:
        """One writer per patient at a time (until commit), so the flags stored at commit see
        every record, and a change is merged into, and If-Match judged on, the latest state."""
        if patient_id not in self._locked_rows:
            await self.locked_patient(patient_id)

    async def locked_patient(self, patient_id: uuid.UUID) -> Patient:
        """lock_patient, and the patient as committed under the lock (one statement)."""
        found = self._locked_rows.get(patient_id)
        if found is None:
            found = await patients.lock(
                self.session, self.scope, patient_id, wait_ms=self._left_ms()
            )
            if found is None:
                raise NotFound("no patient with this id")
            self._locked_rows[patient_id] = found
        return found

    async def lock_patients(self, patient_ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
        """lock_patient for many at once (one statement, id order); the ids not found."""
        wanted = set(patient_ids) - self._locked_rows.keys()
        if wanted:
            locked = await patients.lock_many(
                self.session, self.scope, wanted, wait_ms=self._left_ms()
            )
            self._locked_rows.update((found.id, found) for found in locked)
        return wanted - self._locked_rows.keys()

    async def record_failure(self, status: int, *, error: BaseException) -> None:
        """After a failed block: the refused or failed request is audited all the same, in a
        short transaction of its own. Not when the database is busy or unreachable (a second
        wait would double the 503's); a failure to audit is counted, never raised."""
        if self._origin is None or is_transient(error):
            return
        try:
            async with UnitOfWork(
                self._database, self.caller, self.settings, write=True, origin=self._origin
            ) as failure:
                failure.audit = replace(self.audit, status=status)
                await failure.commit()
        except Exception:
            AUDIT_FAILURES.inc()

    async def _reader(self) -> AsyncEngine | None:
        """A pure reader's engine (None: the unit of work opens a session): the replica,
        unless the reader's token is past what the replica has replayed: then the primary
        at once (bypass, no wait: the primary answers as fast as the replica would after
        catching up). A replica that cannot be asked is bypassed the same way."""
        replica = self._database.replica
        if not self._replica:
            return None
        primary = self._database.reads  # a pure reader: no BEGIN and COMMIT round trips
        if replica is None:
            return primary
        if self._token is not None:
            try:
                if not await replica.has_replayed(self._token):
                    return primary
            except Exception:
                return primary
        self.served_by = "replica"
        return replica.engine

    async def _take_write_turn(self) -> None:
        left = self._deadline - time.monotonic()
        await self._held.enter_async_context(self._database.turn.within(left))
        # SQLite: BEGIN IMMEDIATE, waiting for another process's lock only as long as is left.
        await self.session.connection(execution_options={**WRITE, BUSY_MS: self._left_ms()})

    def _left_ms(self) -> int:
        """What is left of the unit of work's TR_DB_TIMEOUT_SECONDS to wait for the database:
        the write turn and lock (SQLite), the pool and the patients' row locks (PostgreSQL)."""
        return int((self._deadline - time.monotonic()) * 1000)

    def _event(self, origin: Origin) -> dict[str, Any]:
        target = self.audit
        return {
            "actor": self.actor,
            "method": origin.method,
            "path": origin.path[:500],
            "resource_type": target.resource_type,
            "resource_id": target.resource_id,
            "patient_id": target.patient_id,
            "status": target.status,
            "request_id": origin.request_id,
            "client": origin.client,
            "query": origin.query[:MAX_QUERY_LENGTH] or None,
            "patient_ids": None
            if target.patient_ids is None
            else list(map(str, target.patient_ids)),
            "organization": target.organization,
        }
