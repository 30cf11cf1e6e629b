"""What every table shares: fetch by id, insert, save a change, re-read, keyset pagination."""

import base64
import binascii
import functools
import json
import uuid
from collections.abc import Collection, Sequence
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Insert, Row, Select, and_, bindparam, or_, select, true
from sqlalchemy import insert as insert_into
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from app.errors import InvalidCursor
from app.models.base import Base, Record
from app.repositories import driver
from app.repositories.scope import Scope

M = TypeVar("M", bound=Record)


async def get(
    session: AsyncSession, scope: Scope, model: type[M], record_id: uuid.UUID
) -> M | None:
    """A record by id if `scope` sees it: one query, the same for a record of another
    organization as for a missing one."""
    if scope.unrestricted:
        scope.where(model)  # a table that is not patient-scoped is refused all the same
        return await session.get(model, record_id)  # unrestricted: the identity map first
    found: M | None = await session.scalar(_by_id(model, scope, True), {"record_id": record_id})
    return found


async def read(
    connection: AsyncConnection, scope: Scope, model: type[Record], record_id: uuid.UUID
) -> Row[Any] | None:
    """`get` for a read: the record's columns as one row (Core: no ORM entity, no identity
    map, no unit of work to load it into), the same query and the same 404 otherwise."""
    row: Row[Any] | None = await driver.first(
        connection, _by_id(model, scope, False), {"record_id": record_id}
    )
    return row


# A statement costs more to build (and to key for the compiled cache) than a lookup by
# primary key costs to run: those of `get` and `read` are built once per table and scope.
@functools.lru_cache(maxsize=256)
def _by_id(model: type[Record], scope: Scope, entity: bool) -> Select[Any]:
    table: Any = model
    source = model if entity else model.__table__
    return select(source).where(table.id == bindparam("record_id"), *scope.where(model))


def of_patients(column: Any, many: bool) -> ColumnElement[bool]:
    """`column = :patient_id`, or for `many`, `column IN :patient_ids` (an expanding
    parameter, rendered anew at each execution): the condition of a statement built once
    that reads about one patient or many (`patient_values` binds it)."""
    clause: ColumnElement[bool] = (
        column.in_(bindparam("patient_ids", expanding=True))
        if many
        else column == bindparam("patient_id")
    )
    return clause


def patient_values(patient_ids: Collection[uuid.UUID]) -> tuple[bool, dict[str, Any]]:
    """Whether `of_patients` is to read about many, and its parameter for these ids."""
    if len(patient_ids) == 1:
        return False, {"patient_id": next(iter(patient_ids))}
    return True, {"patient_ids": sorted(patient_ids)}


async def get_many(
    session: AsyncSession, scope: Scope, model: type[M], record_ids: Collection[uuid.UUID]
) -> Sequence[M]:
    """The records of these ids that `scope` sees, in one query (order unspecified)."""
    if not record_ids:
        return []
    table: Any = model
    stmt = select(model).where(table.id.in_(set(record_ids)), *scope.where(model))
    return (await session.scalars(stmt)).all()


async def insert(session: AsyncSession, row: Base, *, may_collide: bool) -> None:
    """Add a new row. `may_collide`: it carries a unique value (an mrn, an external_id, an
    Idempotency-Key), so it is written at once inside a savepoint: a collision raises
    IntegrityError here and leaves the transaction usable. Other rows are inserted together
    at commit, in batches."""
    if not may_collide:
        session.add(row)
        return
    async with session.begin_nested():
        session.add(row)
        await session.flush()


async def insert_rows(session: AsyncSession, table: Any, rows: Sequence[dict[str, Any]]) -> None:
    """Many rows of one table in as few statements as the driver allows: the RETURNING of
    the ids makes SQLAlchemy send multi-row VALUES ("insertmanyvalues"), where a plain
    executemany is one INSERT a row for PostgreSQL to run."""
    await session.execute(insert_into(table).returning(table.c.id), list(rows))


# The rows insert_all sends as one statement (a request's writes; an import's commit is
# written table by table, insert_rows paging each): one statement is built per shape.
_MAX_ROWS_TOGETHER = 64
Rows = tuple[Any, Sequence[dict[str, Any]]]  # a table and rows for it


async def insert_all(
    session: AsyncSession,
    batches: Sequence[Rows],
    then: tuple[Insert, dict[str, Any]] | None = None,
) -> None:
    """Rows of several tables (table, rows), then an INSERT with its parameters if given,
    in one round trip where the database allows: PostgreSQL runs them as one statement
    (each INSERT but the last in a data-modifying WITH, all run to completion); SQLite, in
    process with no round trips to save, and many rows, one insert_rows per table."""
    batches = [(table, rows) for table, rows in batches if rows]
    small = sum(len(rows) for _, rows in batches) <= _MAX_ROWS_TOGETHER
    one = small and session.get_bind().dialect.name == "postgresql"
    if not one or (len(batches) < 2 and then is None):
        for table, rows in batches:
            await insert_rows(session, table, rows)
        if then is not None:
            await (await session.connection()).execute(*then)
        return
    shape = tuple((table, len(rows), tuple(rows[0])) for table, rows in batches)
    values = {
        _name(n, i, key): value
        for n, (_, rows) in enumerate(batches)
        for i, row in enumerate(rows)
        for key, value in row.items()
    }
    last, parameters_of_last = then or (None, {})
    await (await session.connection()).execute(
        _together(shape, last), {**values, **parameters_of_last}
    )


@functools.lru_cache(maxsize=256)
def _together(shape: tuple[tuple[Any, int, tuple[str, ...]], ...], then: Insert | None) -> Insert:
    """insert_all's statement for tables of these row counts and columns, built once and
    compiled once: an INSERT a row, of bound parameters (SQLAlchemy caches neither literal
    values nor multi-row VALUES)."""
    statements = [
        insert_into(table).values(
            {key: bindparam(_name(n, i, key), type_=table.c[key].type) for key in keys}
        )
        for n, (table, count, keys) in enumerate(shape)
        for i in range(count)
    ]
    last = then if then is not None else statements.pop()
    return last.add_cte(*(statement.cte(f"w{n}") for n, statement in enumerate(statements)))


def _name(table: int, row: int, column: str) -> str:
    return f"w{table}_{row}_{column}"


async def save(session: AsyncSession, row: Base) -> bool:
    """Write a changed row now, inside a savepoint (a unique value it now collides with
    raises IntegrityError and the transaction stays usable); False when nothing changed."""
    if not session.is_modified(row):
        return False
    async with session.begin_nested():
        await session.flush()
    return True


async def refresh(session: AsyncSession, row: Base) -> None:
    """Re-read a row (after taking a lock: checks then see the latest committed state)."""
    await session.refresh(row)


async def keyset_page(
    db: AsyncSession | AsyncConnection,
    stmt: Select[Any],
    *,
    sort: InstrumentedAttribute[Any],
    key: InstrumentedAttribute[uuid.UUID],
    cursor: str | None,
    limit: int,
) -> tuple[Sequence[Any], str | None]:
    """One page ordered by (sort, key); the cursor is the last row's pair, opaque to clients.
    On a session, entities; on a connection, `stmt` selects columns, answered as plain rows
    (Core, as `read`)."""
    if cursor is not None:
        after_sort, after_key = decode_cursor(cursor, sort)
        stmt = stmt.where(or_(sort > after_sort, and_(sort == after_sort, key > after_key)))
    stmt = stmt.order_by(sort, key).limit(limit + 1)
    if isinstance(db, AsyncConnection):
        rows: Sequence[Any] = (await db.execute(stmt)).all()
    else:
        rows = (await db.scalars(stmt)).all()
    if len(rows) <= limit:
        return rows, None
    last = rows[limit - 1]
    return rows[:limit], encode_cursor(getattr(last, sort.key), getattr(last, key.key))


def encode_cursor(sort_value: Any, key_value: uuid.UUID) -> str:
    text = sort_value.isoformat() if isinstance(sort_value, date) else sort_value
    text = str(text) if isinstance(text, uuid.UUID) else text
    raw = json.dumps([text, str(key_value)], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, sort: InstrumentedAttribute[Any]) -> tuple[Any, uuid.UUID]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        text, key = json.loads(base64.urlsafe_b64decode(padded.encode()))
        return _typed(text, sort), uuid.UUID(key)
    except (ValueError, TypeError, binascii.Error) as exc:
        raise InvalidCursor("cursor is not one this service issued") from exc


def _typed(text: Any, sort: InstrumentedAttribute[Any]) -> Any:
    python_type = sort.property.columns[0].type.python_type
    if python_type is datetime:
        moment = datetime.fromisoformat(text)
        if moment.tzinfo is None or not 1900 <= moment.year <= 2200:
            raise ValueError("cursor time out of range")
        return moment
    if python_type is date:
        return date.fromisoformat(text)
    if python_type is uuid.UUID:
        return uuid.UUID(text)
    if not isinstance(text, python_type):
        raise TypeError("cursor value of the wrong type")
    return text


def visible(model: Any, include_in_error: bool) -> ColumnElement[bool]:
    """The filter that hides entered-in-error records from listings unless asked."""
    return true() if include_in_error else model.entered_in_error.is_(False)
