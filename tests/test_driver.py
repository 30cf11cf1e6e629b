"""Hot reads on the driver (repositories/driver.py): a reader's rows read on asyncpg are the
rows SQLAlchemy gives, field by field and type by type; where that cannot hold (a
transaction, an expanding IN, a listener on statements) SQLAlchemy executes the statement;
and a failure on the driver is SQLAlchemy's own error.

PostgreSQL only (on SQLite SQLAlchemy executes every statement): not collected on SQLite.
"""

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy import Executable, bindparam, func, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from app.config import Settings
from app.db import Database
from app.errors import is_transient
from app.models import Assessment, DoseChange, Infusion, LabResult, Patient, Regimen
from app.repositories import clinical, driver, status_documents
from app.repositories.base import _by_id
from app.repositories.scope import Scope
from app.schemas import examples
from tests.fhir.seeded import realistic_patient
from tests.support import factories as f
from tests.support.statements import sent_statements

pytestmark = pytest.mark.anyio
EVERYONE = Scope.everything()
MODELS = (Patient, Regimen, Infusion, LabResult, Assessment, DoseChange)


@pytest.fixture
async def database(settings: Settings) -> AsyncIterator[Database]:
    opened = Database.open(settings)
    yield opened
    await opened.dispose()


def _through_sqlalchemy(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The statements SQLAlchemy executes from now on (no listener: the driver stays on)."""
    executed: list[Any] = []
    execute = AsyncConnection.execute

    async def counted(self: AsyncConnection, statement: Any, *args: Any, **kwargs: Any) -> Any:
        executed.append(statement)
        return await execute(self, statement, *args, **kwargs)

    monkeypatch.setattr(AsyncConnection, "execute", counted)
    return executed


def _not_through_sqlalchemy(monkeypatch: pytest.MonkeyPatch) -> None:
    async def refused(*_: Any, **__: Any) -> Any:
        raise AssertionError("SQLAlchemy executed a statement the driver should have")

    monkeypatch.setattr(AsyncConnection, "execute", refused)


async def _both(
    database: Database,
    connection: AsyncConnection,
    statement: Executable,
    params: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> tuple[list[Any], list[Any]]:
    """The rows on the driver, and SQLAlchemy's (a listener on statements keeps them off it)."""
    with monkeypatch.context() as patched:
        _not_through_sqlalchemy(patched)
        on_driver = list(await driver.rows(connection, statement, params))
    with sent_statements(database.engine) as sent:
        through = list(await driver.rows(connection, statement, params))
    assert len(sent) == 1
    return on_driver, through


def _same(on_driver: list[Any], through: list[Any]) -> None:
    assert on_driver, "rows to compare"
    assert [row._fields for row in on_driver] == [tuple(row._fields) for row in through]
    assert [tuple(row) for row in on_driver] == [tuple(row) for row in through]
    assert [[type(v) for v in row] for row in on_driver] == [
        [type(v) for v in row] for row in through
    ]


async def test_a_readers_rows_are_sqlalchemys_field_by_field(
    client: httpx.AsyncClient, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    seeded = await realistic_patient(client)
    pid = uuid.UUID(seeded.id)
    toci = seeded.regimens["toci"]["id"]
    await f.created(client, f"/v1/regimens/{toci}/dose-changes", examples.DOSE_CHANGE)
    async with database.reads.connect() as connection:
        ids = {
            model: (await connection.execute(select(model.id).limit(1))).scalar_one()
            for model in MODELS
        }
        for model in MODELS:  # every record table's read by id, any scope
            for scope in (EVERYONE, Scope.within(frozenset({"default", "other"}))):
                _same(
                    *await _both(
                        database,
                        connection, _by_id(model, scope, False), {"record_id": ids[model]},
                        monkeypatch,
                    )
                )  # fmt: skip
        kept = status_documents._patient_and_kept(EVERYONE)
        params = {"record_id": pid, "as_of": date.today(), "digest": "d"}
        _same(*await _both(database, connection, kept, params, monkeypatch))
        # The rules' reads: ids as text, instants bound through their column's type.
        since = {"since": datetime(2000, 1, 1, tzinfo=UTC), "before": datetime.now(UTC)}
        visits = clinical._assessments(EVERYONE, False, False, True, True)
        _same(*await _both(database, connection, visits, {"patient_id": pid, **since}, monkeypatch))
        labs = clinical._lab_results(EVERYONE, False, ("crp", "esr"), ("anti_dsdna",), True, True)
        _same(*await _both(database, connection, labs, {"patient_id": pid, **since}, monkeypatch))
        infusions = clinical._infusions(EVERYONE, False, False)
        _same(*await _both(database, connection, infusions, {"patient_id": pid}, monkeypatch))
        # Two columns named alike: SQLAlchemy's labels (id, id_1) name the fields.
        pairs = select(Patient.id, Regimen.id).join(Regimen, Regimen.patient_id == Patient.id)
        pairs = pairs.where(Patient.id == bindparam("record_id"))
        _same(*await _both(database, connection, pairs, {"record_id": pid}, monkeypatch))


async def test_an_unknown_id_is_no_row(database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    _not_through_sqlalchemy(monkeypatch)
    async with database.reads.connect() as connection:
        found = await driver.first(
            connection, _by_id(Patient, EVERYONE, False), {"record_id": uuid.uuid4()}
        )
    assert found is None


async def test_what_the_driver_cannot_run_exactly_sqlalchemy_runs(
    client: httpx.AsyncClient, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    seeded = await realistic_patient(client)
    pid = uuid.UUID(seeded.id)
    by_id, params = _by_id(Patient, EVERYONE, False), {"record_id": pid}
    many = clinical._regimens(EVERYONE, True)  # an expanding IN, rendered per execution
    executed = _through_sqlalchemy(monkeypatch)
    async with database.sessions() as session:  # a transaction's connection
        found = await driver.first(await session.connection(), by_id, params)
    assert executed == [by_id]
    assert found is not None
    assert found.id == pid
    async with database.reads.connect() as connection:
        regimens = await driver.rows(connection, many, {"patient_ids": [pid, uuid.uuid4()]})
        assert executed == [by_id, many]
        await driver.first(connection, by_id, params)  # a reader's by id: on the driver
        assert executed == [by_id, many]
    assert len(regimens) == len(seeded.regimens) - 1  # the rules leave out the wrong one


async def test_a_failure_on_the_driver_is_sqlalchemys_error(
    client: httpx.AsyncClient, database: Database, settings: Settings
) -> None:
    seeded = await realistic_patient(client)
    by_id, params = _by_id(Patient, EVERYONE, False), {"record_id": uuid.UUID(seeded.id)}
    async with database.reads.connect() as connection:
        assert await driver.first(connection, by_id, params) is not None
        raw = await connection.get_raw_connection()
        backend = raw.driver_connection.get_server_pid()  # type: ignore[union-attr]
        other = await asyncpg.connect(settings.database_url)
        try:
            await other.execute("SELECT pg_terminate_backend($1)", backend)
        finally:
            await other.close()
        with pytest.raises(DBAPIError) as failed:
            await driver.first(connection, by_id, params)
    assert failed.value.connection_invalidated
    assert is_transient(failed.value)  # answered 503 with Retry-After, as through SQLAlchemy


async def test_a_statement_timeout_on_the_driver_is_a_transient_error_at_once(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    executed = _through_sqlalchemy(monkeypatch)
    slow = select(func.pg_sleep(5).label("slept"))
    async with database.reads.connect() as connection:
        await connection.exec_driver_sql("SET statement_timeout = 50")
        with pytest.raises(DBAPIError) as failed:
            await driver.rows(connection, slow, {})
        assert executed == []  # cancelled once, not run again through SQLAlchemy
        assert (
            await driver.first(
                connection, _by_id(Patient, EVERYONE, False), {"record_id": uuid.uuid4()}
            )
            is None
        )
    assert is_transient(failed.value)  # a 503 with Retry-After, as through SQLAlchemy
    assert not failed.value.connection_invalidated
