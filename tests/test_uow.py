"""The unit of work as the command-line jobs and the other faces use it, without HTTP."""

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection

from app.config import Settings
from app.db import Database
from app.errors import NotFound
from app.metrics import DERIVED_LOST
from app.models import AuditEvent, Patient, PatientFlag
from app.schemas.patient import PatientCreate
from app.schemas.regimen import RegimenCreate
from app.schemas.status import FLAG_NAMES
from app.services import patients, regimens
from app.services.uow import Origin, UnitOfWork, system_caller
from tests.support import factories as f

pytestmark = pytest.mark.anyio
CALLER = system_caller("test")
ORIGIN = Origin(method="POST", path="/v1/patients", request_id="req-1", client=None)


@pytest.fixture
async def database(settings: Settings) -> AsyncIterator[Database]:
    opened = Database.open(settings)
    yield opened
    await opened.dispose()


async def _count(database: Database, settings: Settings, model: type[object]) -> int:
    async with UnitOfWork(database, CALLER, settings) as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(model)) or 0)


async def _audited(database: Database, settings: Settings) -> tuple[object, ...]:
    """The one audit event stored: actor, method, status, resource type and id."""
    async with UnitOfWork(database, CALLER, settings) as uow:
        event = (await uow.session.scalars(select(AuditEvent))).one()
        return (event.actor, event.method, event.status, event.resource_type, event.resource_id)


async def test_leaving_the_block_without_commit_rolls_back(
    database: Database, settings: Settings
) -> None:
    async with UnitOfWork(database, CALLER, settings, write=True) as uow:
        saved = await patients.create(uow, PatientCreate.model_validate(f.patient_body()))
    assert saved.created
    assert await _count(database, settings, Patient) == 0


async def test_commit_stores_the_flags_of_the_changed_patients(
    database: Database, settings: Settings
) -> None:
    async with UnitOfWork(database, CALLER, settings, write=True) as uow:
        made = await patients.create(uow, PatientCreate.model_validate(f.patient_body()))
        body = RegimenCreate.model_validate(f.regimen_body(**f.PREDNISONE))
        await regimens.create(uow, made.row.id, body)
        await uow.commit()
    async with UnitOfWork(database, CALLER, settings) as uow:
        stored = await uow.session.scalars(
            select(PatientFlag.flag).where(PatientFlag.patient_id == made.row.id)
        )
        assert sorted(stored) == sorted(FLAG_NAMES)
    # A job has no request: nothing is audited.
    assert await _count(database, settings, AuditEvent) == 0


async def test_a_request_is_audited_at_commit(database: Database, settings: Settings) -> None:
    async with UnitOfWork(database, CALLER, settings, write=True, origin=ORIGIN) as uow:
        made = await patients.create(uow, PatientCreate.model_validate(f.patient_body()))
        uow.audit.status = 201
        await uow.commit()
    expected = ("system:test", "POST", 201, "patient", made.row.id)
    assert await _audited(database, settings) == expected


async def test_a_derived_row_that_cannot_be_written_leaves_the_reads_audit_alone(
    database: Database, settings: Settings
) -> None:
    async def refused(connection: AsyncConnection, rows: list[Any]) -> None:
        raise ValueError("no such table")

    lost = DERIVED_LOST._value.get()
    read = Origin(method="GET", path="/v1/patients", request_id="req-2", client=None)
    async with UnitOfWork(database, CALLER, settings, origin=read) as uow:
        uow.keep(refused, {"kept": 1})
        await uow.commit()  # answered: the read's audit row is durable
    assert await _audited(database, settings) == ("system:test", "GET", 200, None, None)
    assert DERIVED_LOST._value.get() == lost + 1


async def test_a_failed_block_is_audited_in_a_transaction_of_its_own(
    database: Database, settings: Settings
) -> None:
    missing = uuid.uuid4()
    uow = UnitOfWork(database, CALLER, settings, write=True, origin=ORIGIN)

    async def write_then_fail() -> None:
        async with uow:
            await patients.create(uow, PatientCreate.model_validate(f.patient_body()))
            await regimens.create(uow, missing, RegimenCreate.model_validate(f.regimen_body()))

    with pytest.raises(NotFound) as raised:
        await write_then_fail()
    await uow.record_failure(404, error=raised.value)
    assert await _count(database, settings, Patient) == 0  # the block's write is gone
    expected = ("system:test", "POST", 404, "patient", missing)  # the parent asked for
    assert await _audited(database, settings) == expected


async def test_a_transient_failure_is_not_audited(database: Database, settings: Settings) -> None:
    uow = UnitOfWork(database, CALLER, settings, write=True, origin=ORIGIN)
    await uow.record_failure(503, error=OperationalError("SELECT 1", {}, Exception("gone")))
    assert await _count(database, settings, AuditEvent) == 0


async def test_the_session_exists_only_inside_the_block(
    database: Database, settings: Settings
) -> None:
    uow = UnitOfWork(database, CALLER, settings)
    with pytest.raises(RuntimeError, match="not open"):
        _ = uow.session
    async with uow:
        assert uow.session is not None
    with pytest.raises(RuntimeError, match="not open"):
        _ = uow.session


async def test_a_patient_changed_twice_is_evaluated_from_the_earlier_instant_or_from_scratch(
    database: Database, settings: Settings
) -> None:
    uow = UnitOfWork(database, CALLER, settings, write=True)
    pid, other = uuid.uuid4(), uuid.uuid4()
    early, late = datetime(2026, 1, 5, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=UTC)
    uow.changed(pid, late)
    uow.changed(pid, early)
    uow.changed(pid, late)
    uow.changed(other, late)
    uow.changed(other, None)  # e.g. a regimen: any flag, any date
    uow.changed(other, early)
    assert uow.changed_patients == {pid: early, other: None}
