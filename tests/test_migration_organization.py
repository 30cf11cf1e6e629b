"""The organization migration on a database that already holds patients (both databases):
existing patients get TR_DEFAULT_ORGANIZATION, their records keep their references, the
mrn becomes unique per organization, and the downgrade works while mrns are unique."""

import asyncio
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import create_async_engine

from app import cli_migrate
from app.config import Settings, to_async_url
from tests.support.databases import Databases

ORGANIZATION_REVISION = "01ea99186541"
NOW = datetime(2026, 1, 1, tzinfo=UTC)
patient = sa.table(
    "patient",
    *(sa.column(name) for name in ("mrn", "sex", "version")),
    sa.column("id", sa.Uuid()),
    sa.column("birth_date", sa.Date()),
    sa.column("diagnoses", sa.JSON()),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("updated_at", sa.DateTime(timezone=True)),
    sa.column("entered_in_error", sa.Boolean()),
    sa.column("organization", sa.String()),
)
# A table that refers to patients (SQLite rebuilds the patient table under it).
flag = sa.table(
    "patient_flag",
    *(sa.column(name) for name in ("flag", "status", "rules_version")),
    sa.column("patient_id", sa.Uuid()),
    sa.column("as_of", sa.Date()),
    sa.column("evaluated_at", sa.DateTime(timezone=True)),
)


def _before() -> str:
    """The revision the organization migration follows (whatever the chain is at merge)."""
    script = ScriptDirectory.from_config(cli_migrate.alembic_config(Settings()))
    down = script.get_revision(ORGANIZATION_REVISION).down_revision
    assert isinstance(down, str)
    return down


def _patient_row(mrn: str, **over: Any) -> dict[str, Any]:
    return {
        "id": uuid.uuid4(),
        "mrn": mrn,
        "sex": "female",
        "birth_date": date(1957, 3, 1),
        "diagnoses": [],
        "version": 1,
        "created_at": NOW,
        "updated_at": NOW,
        "entered_in_error": False,
        **over,
    }


def _run(url: str, *statements: Any) -> list[Any]:
    """Execute in one transaction; the rows of the last statement (if it returns any)."""

    async def go() -> list[Any]:
        engine = create_async_engine(to_async_url(url))
        try:
            async with engine.begin() as conn:
                results = [await conn.execute(s) for s in statements]
                last = results[-1]
                return list(last.all()) if last.returns_rows else []
        finally:
            await engine.dispose()

    return asyncio.run(go())


@pytest.fixture
def fresh_url(databases: Databases) -> Iterator[str]:
    url = databases.empty("organization")
    yield url
    databases.drop(url)


def test_existing_patients_get_the_default_organization(fresh_url: str) -> None:
    settings = Settings(database_url=fresh_url, default_organization="clinic-x")
    cli_migrate.upgrade(settings, _before())
    first, second = _patient_row("TO-1"), _patient_row("TO-2")
    child = {
        "patient_id": first["id"],
        "flag": "remission",
        "status": "met",
        "rules_version": "test",
        "as_of": date(2026, 1, 1),
        "evaluated_at": NOW,
    }
    _run(fresh_url, patient.insert().values([first, second]), flag.insert().values(child))

    cli_migrate.upgrade(settings)

    rows = _run(fresh_url, sa.select(patient.c.mrn, patient.c.organization).order_by("mrn"))
    assert [tuple(r) for r in rows] == [("TO-1", "clinic-x"), ("TO-2", "clinic-x")]
    assert _run(fresh_url, sa.select(flag.c.patient_id)) == [(first["id"],)]
    cli_migrate.check(settings)  # the models and the migrated schema agree


def test_mrn_is_unique_per_organization_and_the_downgrade_needs_unique_mrns(
    fresh_url: str,
) -> None:
    settings = Settings(database_url=fresh_url)
    cli_migrate.upgrade(settings)
    elsewhere = _patient_row("TO-1", organization="B")
    _run(fresh_url, patient.insert().values([_patient_row("TO-1", organization="A"), elsewhere]))
    with pytest.raises(IntegrityError):
        _run(fresh_url, patient.insert().values(_patient_row("TO-1", organization="A")))

    with pytest.raises(IntegrityError):  # TO-1 twice: refused, and nothing changes
        cli_migrate.downgrade(settings, _before())
    assert len(_run(fresh_url, sa.select(patient.c.organization))) == 2

    _run(fresh_url, patient.update().where(patient.c.id == elsewhere["id"]).values(mrn="TO-2"))
    cli_migrate.downgrade(settings, _before())
    with pytest.raises(IntegrityError):  # unique across the deployment again
        _run(fresh_url, patient.insert().values(_patient_row("TO-1")))
    cli_migrate.upgrade(settings)
    assert {r[0] for r in _run(fresh_url, sa.select(patient.c.organization))} == {"default"}
