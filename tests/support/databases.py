"""A fresh, migrated database for each test, so no test sees another's records.

The migrations run once, into a template; each test gets a copy of it. SQLite: files under a
scratch folder, copied with SQLite's backup API (a consistent copy of a WAL database).
PostgreSQL (TR_TEST_DATABASE_URL): databases named after the one given, created next to it
on the same server with `CREATE DATABASE <db>_t<N> TEMPLATE <db>_tpl` (tens of ms) and
dropped after the test.

Under pytest-xdist every worker process has its own `Databases`: its names carry the worker's
id (`<db>_gw1_t<N>`), so workers never drop or clone each other's databases; SQLite's scratch
folder is already the worker's own (pytest's temporary directories are per worker).
"""

import asyncio
import contextlib
import itertools
import os
import sqlite3
from pathlib import Path

import asyncpg
from sqlalchemy.engine import URL, make_url

from app import cli_migrate
from app.config import Settings


class Databases:
    def __init__(self, base_url: str | None, scratch: Path, worker: str | None = None) -> None:
        """`base_url`: a PostgreSQL database the suite may create others next to; None:
        SQLite files under `scratch`. `worker`: the xdist worker's id (PYTEST_XDIST_WORKER
        unless given), part of every PostgreSQL name made here."""
        self._base = make_url(base_url) if base_url else None
        self._scratch = scratch
        worker = worker if worker is not None else os.environ.get("PYTEST_XDIST_WORKER", "")
        self._prefix = f"{worker}_" if worker else ""
        self._numbers = itertools.count(1)
        self._template: str | None = None

    def new(self) -> str:
        """A database of its own, at the latest migration, with no records."""
        return self.clone(self._migrated_template())

    def clone(self, url: str) -> str:
        """A copy of another database of this suite (nobody may be connected to it)."""
        copy = self._name(f"t{next(self._numbers)}")
        if self._base is None:
            with (
                contextlib.closing(sqlite3.connect(_path(url))) as source,
                contextlib.closing(sqlite3.connect(_path(copy))) as target,
            ):
                source.backup(target)
            return copy
        self._admin(
            f'DROP DATABASE IF EXISTS "{_database(copy)}" WITH (FORCE)',
            f'CREATE DATABASE "{_database(copy)}" TEMPLATE "{_database(url)}"',
        )
        return copy

    def empty(self, label: str) -> str:
        """A database with no schema at all (for the migrations' own tests)."""
        url = self._name(label)
        if self._base is not None:
            self._admin(f'DROP DATABASE IF EXISTS "{_database(url)}" WITH (FORCE)')
            self._admin(f'CREATE DATABASE "{_database(url)}"')
        return url

    def drop(self, url: str) -> None:
        if self._base is None:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{_path(url)}{suffix}").unlink(missing_ok=True)
            return
        self._admin(f'DROP DATABASE IF EXISTS "{_database(url)}" WITH (FORCE)')

    def close(self) -> None:
        if self._template is not None:
            self.drop(self._template)
            self._template = None

    def _migrated_template(self) -> str:
        if self._template is None:
            template = self.empty("tpl")
            cli_migrate.upgrade(Settings(database_url=template))
            self._template = template
        return self._template

    def _name(self, suffix: str) -> str:
        if self._base is None:
            return f"sqlite:///{self._scratch / f'{suffix}.db'}"
        name = f"{self._base.database}_{self._prefix}{suffix}"
        return self._base.set(database=name).render_as_string(hide_password=False)

    def _admin(self, *statements: str) -> None:
        """Statements that cannot run in a transaction, on the database the suite was given."""
        assert self._base is not None
        dsn = _plain(self._base).render_as_string(hide_password=False)

        async def run() -> None:
            connection = await asyncpg.connect(dsn)
            try:
                for statement in statements:
                    await connection.execute(statement)
            finally:
                await connection.close()

        asyncio.run(run())


def _path(sqlite_url: str) -> str:
    database = make_url(sqlite_url).database
    assert database, sqlite_url
    return database


def _database(url: str) -> str:
    name = make_url(url).database
    if not name or '"' in name:
        raise ValueError("a database name that can be quoted is needed")
    return name


def _plain(url: URL) -> URL:
    """The URL as asyncpg takes it (no SQLAlchemy driver name)."""
    return url.set(drivername="postgresql")
