"""Hot reads on the driver: a repository's Core statement, compiled by SQLAlchemy, run on the
asyncpg connection underneath (architecture.md, "Hot paths").

SQLAlchemy's execution of one statement (the greenlet hand-off, the execution context, the
cursor and result objects) costs about 150 µs of CPU; asyncpg's own, about 50 µs (a primary
key read, 2,000 in a row); a patient read sends two (its row and its audit row). The
statement stays the repository's: SQLAlchemy compiles it once for the connection's dialect
(its SQL and the order of its parameters), and its types' own bind and result processors
convert the values, so a row is what `connection.execute` gives, field by field.

Only where that holds exactly; everywhere else SQLAlchemy executes the statement as before:
- a PostgreSQL connection in autocommit (a pure reader's: no transaction the driver could
  run outside of);
- a statement built once (the repositories' cached ones: compiled once, not per call), with
  no parameter rendered at execution (an expanding IN), whose result keys name a row's
  fields;
- no listener watching SQLAlchemy's statements (the tests that count round trips).
A failure on the driver makes SQLAlchemy execute the statement again, to fail as it would
have: its exception, the connection invalidated if it is gone. But a statement cancelled by
`statement_timeout` is not run a second time: it fails at once with SQLAlchemy's error
(DBAPIError, its SQLSTATE 57014: a 503), its connection still good.
"""

import keyword
from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from asyncpg.exceptions import QueryCanceledError
from sqlalchemy import Executable
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

Processor = Callable[[Any], Any]


@dataclass(slots=True)
class _Compiled:
    compiled: Any  # SQLCompiler: its SQL, result columns, and construct_params for a call
    names: tuple[str, ...]  # the parameters, in $1, $2 ... order
    binds: tuple[Processor | None, ...]
    row: type[tuple[Any, ...]]
    results: tuple[Processor | None, ...] | None = None  # from the first answer's column types


async def rows(
    connection: AsyncConnection, statement: Executable, params: Mapping[str, Any]
) -> Sequence[Any]:
    """The rows `connection.execute(statement, params).all()` gives, on the driver where that
    is exact (the module's docstring)."""
    compiled = _on_driver(connection, statement)
    if compiled is None:
        return (await connection.execute(statement, params)).all()
    driver: Any = connection.sync_connection.connection.driver_connection  # type: ignore[union-attr]
    values = compiled.compiled.construct_params(params)
    ordered = (values[name] for name in compiled.names)
    args = [v if bind is None else bind(v) for v, bind in zip(ordered, compiled.binds, strict=True)]
    try:
        if compiled.results is None:
            compiled.results = await _result_processors(driver, compiled, connection.dialect)
        records = await driver.fetch(compiled.compiled.string, *args)
    except QueryCanceledError as error:  # statement_timeout: not twice (503 as through it)
        raise DBAPIError(compiled.compiled.string, None, error, hide_parameters=True) from error
    except Exception:
        return (await connection.execute(statement, params)).all()
    make, results = compiled.row._make, compiled.results  # type: ignore[attr-defined]
    if not any(results):
        return [make(record) for record in records]
    return [
        make(value if p is None else p(value) for value, p in zip(record, results, strict=True))
        for record in records
    ]


async def first(
    connection: AsyncConnection, statement: Executable, params: Mapping[str, Any]
) -> Any | None:
    """The first of `rows`, or None."""
    found = await rows(connection, statement, params)
    return found[0] if found else None


def _on_driver(connection: AsyncConnection, statement: Executable) -> _Compiled | None:
    sync = connection.sync_connection
    if (
        sync is None
        or connection.dialect.driver != "asyncpg"
        or sync.get_execution_options().get("isolation_level") != "AUTOCOMMIT"
        or sync.invalidated
        or sync.dispatch.before_cursor_execute
        or sync.dispatch.before_execute
    ):
        return None
    return _compile(statement, connection.dialect)


@lru_cache(maxsize=256)
def _compile(statement: Executable, dialect: Dialect) -> _Compiled | None:
    """The statement as the driver runs it; None: not on the driver."""
    compiled: Any = statement.compile(dialect=dialect)  # type: ignore[attr-defined]
    keys = [column[0] for column in compiled._result_columns]
    if (
        compiled.post_compile_params
        or compiled.literal_execute_params
        or not keys
        or len(set(keys)) != len(keys)
        or not all(key.isidentifier() and not keyword.iskeyword(key) for key in keys)
        or any(key.startswith("_") for key in keys)
    ):
        return None
    names = tuple(compiled.positiontup or ())
    if not all(name in compiled.binds for name in names):
        return None
    binds = tuple(
        compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names
    )
    return _Compiled(compiled=compiled, names=names, binds=binds, row=namedtuple("Row", keys))


async def _result_processors(
    driver: Any, compiled: _Compiled, dialect: Dialect
) -> tuple[Processor | None, ...]:
    """SQLAlchemy's processors of the result columns, for the column types PostgreSQL
    answers (as SQLAlchemy picks them, from each column's type oid)."""
    prepared = await driver.prepare(compiled.compiled.string)
    oids = [attribute.type.oid for attribute in prepared.get_attributes()]
    types = [column[3] for column in compiled.compiled._result_columns]
    return tuple(
        type_.dialect_impl(dialect).result_processor(dialect, oid)
        for type_, oid in zip(types, oids, strict=True)
    )
