"""The lifecycle every record shares: load, create, change, enter in error, history, listing.

Each write appends the record's new state to `record_version` and a `record.created` or
`record.changed` event to the outbox, written by its commit in the same transaction.
"""

import uuid
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement
from sqlalchemy.exc import IntegrityError

from app.errors import Conflict, DomainError, NotFound, PreconditionFailed
from app.models import RecordVersion
from app.models.base import Record, new_id, utcnow
from app.repositories import base as repo
from app.repositories import patient_records, versions
from app.schemas.common import PageRequest
from app.services import resources
from app.services.resources import PATIENT, Resource
from app.services.uow import UnitOfWork

M = TypeVar("M", bound=Record)
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Saved(Generic[T]):
    """What a creating use case did: the stored row, and whether this request created it
    (False: an identical re-send found the record stored before)."""

    row: T
    created: bool


def patient_of(row: Any) -> uuid.UUID:
    found: uuid.UUID = row.patient_id if hasattr(row, "patient_id") else row.id
    return found


# Loading: get (any record), get_live (not entered in error), get_for_update (locked, re-read).
async def get(uow: UnitOfWork, kind: Resource[M], record_id: uuid.UUID) -> M:
    """A record by id, entered-in-error ones included (they stay readable by id)."""
    return _found(kind, await repo.get(uow.session, uow.scope, kind.model, record_id))


def _found(kind: Resource[Any], row: T | None) -> T:
    if row is None:  # missing, or of an organization the caller does not see: the same 404
        raise NotFound(f"no {kind.name} with this id")  # ids stay out of messages
    return row


async def get_many(
    uow: UnitOfWork, kind: Resource[M], record_ids: Collection[uuid.UUID]
) -> Sequence[M]:
    """Records by id in one query; any id missing or unseen is the same 404 as `get`'s."""
    ids = set(record_ids)
    rows = await repo.get_many(uow.session, uow.scope, kind.model, ids)
    if len(rows) != len(ids):
        raise NotFound(f"no {kind.name} with this id")
    return rows


async def get_live(uow: UnitOfWork, kind: Resource[M], record_id: uuid.UUID) -> M:
    """A record that new records may refer to: entered-in-error ones do not count."""
    return await _checked(uow, kind, await get(uow, kind, record_id), live=True)


async def get_for_update(uow: UnitOfWork, kind: Resource[M], record_id: uuid.UUID) -> M:
    """A live record to change or check against (see _checked: locked and re-read)."""
    return await _checked(uow, kind, await get(uow, kind, record_id), live=True, lock=True)


async def target(
    uow: UnitOfWork,
    kind: Resource[M],
    record_id: uuid.UUID,
    *,
    live: bool = False,
    lock: bool = False,
) -> M:
    """Load the record the request is about (`live`, `lock`: as get_live, get_for_update)."""
    if lock and kind is PATIENT:  # locked and loaded by one statement: nothing to re-read
        patient: Any = await _named(uow, kind, record_id, uow.locked_patient(record_id))
        return await _checked(uow, kind, patient, live=live)
    row = await _named(uow, kind, record_id, get(uow, kind, record_id))
    return await _checked(uow, kind, row, live=live, lock=lock)


async def read_target(
    uow: UnitOfWork,
    kind: Resource[Any],
    record_id: uuid.UUID,
    *,
    live: bool = False,
    read: Awaitable[Any] | None = None,
) -> Any:
    """`target` for a request that only reads it: the record's columns as a plain row (no
    ORM entity to build: a read model is validated from it alike). `read`: a repository's
    read of that row with more columns (what the request needs next, in the same query);
    None, or no row, is the same 404 as `target`'s."""
    row = await _named(uow, kind, record_id, _read(uow, kind, record_id, read))
    return await _checked(uow, kind, row, live=live)


async def _read(
    uow: UnitOfWork, kind: Resource[Any], record_id: uuid.UUID, read: Awaitable[Any] | None
) -> Any:
    if read is None:
        read = repo.read(await uow.connection(), uow.scope, kind.model, record_id)
    return _found(kind, await read)


async def _named(
    uow: UnitOfWork, kind: Resource[Any], record_id: uuid.UUID, load: Awaitable[T]
) -> T:
    """The audit names the record before it is loaded (a 404 is audited with the id asked
    for), and its patient as soon as it is found."""
    uow.audit.touch(kind.name, record_id)
    row = await load
    uow.audit.touch(kind.name, record_id, patient_of(row))
    return row


async def _checked(
    uow: UnitOfWork, kind: Resource[M], row: M, *, live: bool, lock: bool = False
) -> M:
    """`lock`: the patient's other writers wait until commit, and the row is re-read under
    that lock, so checks and merges see the latest committed state."""
    if live and row.entered_in_error:
        raise NotFound(f"this {kind.name} was entered in error")
    if lock:
        await uow.lock_patient(patient_of(row))
        await repo.refresh(uow.session, row)
    return row


async def create(uow: UnitOfWork, row: M) -> Saved[M]:
    """Insert a new record and its first version. A unique value it breaks raises
    IntegrityError for the caller (a duplicate mrn means something else than a re-send)."""
    kind = resources.of(type(row))
    if kind is not PATIENT:  # a new patient has no other writer yet
        await uow.lock_patient(patient_of(row))
    _stamp(row)
    may_collide = any(getattr(row, name) is not None for name in kind.unique)
    await repo.insert(uow.session, row, may_collide=may_collide)
    _written(uow, kind, row)
    uow.audit.touch(kind.name, row.id, patient_of(row))
    return Saved(row, created=True)


async def create_natural(uow: UnitOfWork, row: M, sent: dict[str, Any]) -> Saved[M]:
    """Insert a record that carries the sender's `external_id`, unique per patient.

    The database's unique constraint decides (no read-then-write race): on a collision an
    identical re-send gets the stored record back, a different body is a 409 naming it.
    """
    try:
        return await create(uow, row)
    except IntegrityError:
        external_id: str = getattr(row, "external_id")  # noqa: B009 - Record has none
        existing = await patient_records.by_external_id(
            uow.session, uow.scope, type(row), patient_of(row), external_id
        )
        if existing is None:
            raise
    check_resent(existing, sent)
    uow.audit.touch(resources.of(type(row)).name, existing.id, patient_of(existing))
    return Saved(existing, created=False)


def check_resent(
    existing: Any,
    sent: dict[str, Any],
    different: str = "a record with this external_id exists with different content",
) -> None:
    """A body that names a stored record (its external_id, or a dose change's regimen and
    date) is a re-send of it (nothing to do) when it sends what the record holds; else a
    409 naming the record (`different`: what the 409 says then)."""
    if existing.entered_in_error:
        raise Conflict(
            "a record with this external_id was entered in error; send a new external_id",
            existing_id=str(existing.id),
        )
    if any(getattr(existing, name) != value for name, value in sent.items()):
        raise Conflict(different, existing_id=str(existing.id))


async def create_batch(
    uow: UnitOfWork, kind: Resource[Any], rows: Sequence[tuple[dict[str, Any], dict[str, Any]]]
) -> list[Saved[uuid.UUID] | DomainError]:
    """create_natural for many new records of one patient-owned type (an import batch's):
    each row is (its columns, with `patient_id` and `id` or None; the columns as sent).

    The rows' patients are locked once, in id order; their stored `external_id`s are read
    in one query under those locks (every writer of a patient holds its lock, so nothing can
    take one meanwhile); records are written by multi-row INSERTs, first versions and events
    with the commit's.
    Per row, in order: the new record's id, created; an identical re-send (of a stored
    record, or of an earlier row of the batch with its external_id or id) its id, not
    created; or the problem, and nothing of that row is written."""
    uow.audit.about(kind.name)
    missing = await uow.lock_patients(columns["patient_id"] for columns, _ in rows)
    wanted = {
        (columns["patient_id"], columns["external_id"])
        for columns, _ in rows
        if columns.get("external_id") is not None
    }
    stored = await patient_records.by_external_ids(uow.session, uow.scope, kind.model, wanted)
    earlier: dict[Any, SimpleNamespace] = {}
    results: list[Saved[uuid.UUID] | DomainError] = []
    new: list[dict[str, Any]] = []
    now = utcnow()
    for columns, sent in rows:
        patient_id, record_id = columns["patient_id"], columns.get("id")
        key: Any = (patient_id, columns.get("external_id"))
        found = (stored.get(key) or earlier.get(key)) if key[1] is not None else None
        try:
            if patient_id in missing:
                raise NotFound(f"no live patient with this id for this {kind.name}")
            if found is not None:
                check_resent(found, sent)
                results.append(Saved(found.id, created=False))
                continue
        except DomainError as exc:
            results.append(exc)
            continue
        if record_id is not None and record_id in earlier:
            results.append(Saved(record_id, created=False))
            continue
        row = {**columns, "id": record_id or new_id(), "version": 1}
        row.update(created_at=now, updated_at=now, entered_in_error=False)
        state = SimpleNamespace(**row)
        earlier[row["id"]] = state
        if key[1] is not None:
            earlier[key] = state
        new.append(row)
        _written(uow, kind, state)
        results.append(Saved(row["id"], created=True))
    await patient_records.insert_many(uow.session, kind.model, new)
    return results


async def change(uow: UnitOfWork, row: M, changes: dict[str, Any], *, if_match: int | None) -> M:
    await uow.lock_patient(patient_of(row))  # normally held already (get_for_update)
    check_version(row, if_match)
    kind = resources.of(type(row))
    was = _moves_flags_from(kind, row)  # its instant before the change
    for name, value in changes.items():
        setattr(row, name, value)
    try:
        changed = await repo.save(uow.session, row)
    except IntegrityError as exc:
        raise Conflict("the change collides with another record's unique value") from exc
    if changed:
        _written(uow, kind, row)
        if was is not None:  # the flags can move from the earlier of its two instants
            uow.changed(patient_of(row), was)
    return row


async def enter_in_error(
    uow: UnitOfWork, kind: Resource[M], record_id: uuid.UUID, *, if_match: int | None
) -> M:
    """DELETE never destroys clinical data: the record is marked and stays readable."""
    row = await target(uow, kind, record_id, lock=True)
    if row.entered_in_error:
        check_version(row, if_match)
        return row
    return await change(uow, row, {"entered_in_error": True}, if_match=if_match)


def check_version(row: Any, if_match: int | None) -> None:
    if if_match is not None and if_match != row.version:
        raise PreconditionFailed(
            f"If-Match names version {if_match}; the record is at version {row.version}",
            current_version=row.version,
        )


async def history(
    uow: UnitOfWork, kind: Resource[Any], record_id: uuid.UUID, request: PageRequest
) -> tuple[Sequence[RecordVersion], str | None]:
    """One page of a record's versions, oldest first."""
    row = await target(uow, kind, record_id)
    uow.audit.listed([(patient_of(row), None)])
    return await versions.page_for_record(
        uow.session, uow.scope, kind.name, record_id, cursor=request.cursor, limit=request.limit
    )


async def page(
    uow: UnitOfWork,
    kind: Resource[M],
    patient_id: uuid.UUID,
    request: PageRequest,
    where: Callable[[], Sequence[ColumnElement[bool]]] = tuple,
) -> tuple[Sequence[Any], str | None]:
    """A patient's records of one type, in the order a clinician reads them (plain rows of
    their columns). `where` builds extra filters once the patient is found (an unknown
    patient is a 404 first)."""
    patient = await read_target(uow, PATIENT, patient_id, live=True)
    uow.audit.about(kind.name)
    uow.audit.listed([(patient.id, patient.organization)])
    connection, filters = await uow.connection(), where()
    return await patient_records.page_for_patient(
        connection, uow.scope, kind.model, patient_id, request, *filters, sort=kind.sort_key
    )


def _stamp(row: Record) -> None:
    """What the database would fill in, set now: the snapshot and the answer need it
    before the batched insert runs."""
    now = utcnow()
    row.id = row.id or new_id()
    row.version, row.created_at, row.updated_at, row.entered_in_error = 1, now, now, False


def _written(uow: UnitOfWork, kind: Resource[Any], row: Any) -> None:
    """A record's new version: its snapshot and event for the commit, its patient's flags
    to store then."""
    data = kind.snapshot.model_validate(row).model_dump(mode="json")
    patient_id = patient_of(row)
    uow.outbox.record_written(
        kind.name, row.id, row.version, patient_id, snapshot=data, actor=uow.actor
    )
    uow.changed(patient_id, _moves_flags_from(kind, row))


def _moves_flags_from(kind: Resource[Any], row: Any) -> datetime | None:
    """The instant from which a change of this record can move its patient's flags
    (Resource.moves_flags_from); None: any flag, on any date."""
    return None if kind.moves_flags_from is None else getattr(row, kind.moves_flags_from)
