"""The flags of many patients read and stored at once (an import batch's, the unit of work's
commit) answer exactly as one patient at a time."""

import uuid
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select, update

from app.config import Settings
from app.db import Database
from app.models import Patient, PatientFlag
from app.services import clinical_inputs, stored_flags
from app.services.uow import UnitOfWork, system_caller
from tests.support import factories as f
from tests.support.clients import client_with, token
from tests.support.statements import sent_statements

pytestmark = pytest.mark.anyio
CALLER = system_caller("test")
AS_OF = date(2026, 3, 1)


@pytest.fixture
async def patient_ids(app: FastAPI, settings: Settings) -> list[uuid.UUID]:
    """Three patients: a steroid course with labs and a visit, labs only, nothing at all."""
    async with client_with(app, token(settings)) as client:
        ids = [(await f.patient(client))["id"] for _ in range(3)]
        await f.prednisone(client, ids[0], start_date="2025-01-01")
        for pid, day, value in [(ids[0], "2026-01-05", 2.0), (ids[1], "2026-02-01", 40.0)]:
            body = f.lab_body(collected_at=f"{day}T08:00:00Z", value=value)
            await f.created(client, f"/v1/patients/{pid}/lab-results", body)
        await f.created(client, f"/v1/patients/{ids[0]}/assessments", f.assessment_body())
    return sorted(uuid.UUID(pid) for pid in ids)


@pytest.fixture
async def database(settings: Settings) -> AsyncIterator[Database]:
    opened = Database.open(settings)
    yield opened
    await opened.dispose()


async def test_load_many_reads_each_patient_as_load_does(
    database: Database, settings: Settings, patient_ids: list[uuid.UUID]
) -> None:
    async with UnitOfWork(database, CALLER, settings) as uow:
        found = (
            await uow.session.scalars(select(Patient).where(Patient.id.in_(patient_ids)))
        ).all()
        many = await clinical_inputs.load_many(
            await uow.connection(), uow.scope, found, AS_OF, settings.rules
        )
        one = {
            p.id: await clinical_inputs.load(
                await uow.connection(), uow.scope, p, AS_OF, settings.rules
            )
            for p in found
        }
    assert many == one
    counts = sorted((len(r.regimens), len(r.lab_results), len(r.assessments)) for r in one.values())
    assert counts == [(0, 0, 0), (0, 1, 0), (1, 1, 1)]


async def test_store_many_stores_and_announces_as_store_of_each(
    database: Database, settings: Settings, patient_ids: list[uuid.UUID]
) -> None:
    async with UnitOfWork(database, CALLER, settings, write=True) as uow:
        # Stale stored statuses: each patient's flags change, with events.
        await uow.session.execute(update(PatientFlag).values(status="insufficient_data"))
        await uow.lock_patients(patient_ids)
        many = await _stored(uow, settings, lambda o: _store_many(uow, settings, patient_ids, o))
        each = await _stored(uow, settings, lambda o: _store_each(uow, settings, patient_ids, o))
    assert many == each
    rows, events = many
    assert {row[0] for row in rows} == set(patient_ids)
    assert len(rows) == 9
    announced = [event.patient_id for event in events]
    assert announced  # in patient id order, as one store after another
    assert announced == sorted(announced)


async def test_patients_locked_together_are_loaded_with_their_locks(
    database: Database, settings: Settings, patient_ids: list[uuid.UUID]
) -> None:
    """As one patient locked alone: the commit's later lookups of them (the outbox's, the
    flags') need no statement of their own."""
    missing = uuid.uuid4()
    async with UnitOfWork(database, CALLER, settings, write=True) as uow:
        assert await uow.lock_patients([*patient_ids, missing]) == {missing}
        with sent_statements(database.engine) as sent:
            found = [(await uow.locked_patient(pid)).id for pid in patient_ids]
    assert found == patient_ids
    assert sent == []


async def _store_many(uow: UnitOfWork, settings: Settings, ids: list[uuid.UUID], o: Any) -> None:
    locked = [await uow.locked_patient(pid) for pid in ids]
    await stored_flags.store_many(uow.session, uow.scope, locked, AS_OF, settings, o)


async def _store_each(uow: UnitOfWork, settings: Settings, ids: list[uuid.UUID], o: Any) -> None:
    for pid in ids:
        patient = await uow.locked_patient(pid)
        await stored_flags.store(uow.session, uow.scope, patient, AS_OF, settings, o)


async def _stored(uow: UnitOfWork, settings: Settings, store: Any) -> tuple[list[Any], list[Any]]:
    """What `store` writes and announces, undone afterwards."""
    async with uow.hypothetical():
        await store(uow.outbox)
        columns = (PatientFlag.patient_id, PatientFlag.flag, PatientFlag.status)
        more = (PatientFlag.since, PatientFlag.as_of, PatientFlag.history)
        stmt = select(*columns, *more).order_by(PatientFlag.patient_id, PatientFlag.flag)
        rows = [tuple(row) for row in (await uow.session.execute(stmt)).all()]
        return rows, list(uow.outbox.pending)
