"""Events are written in the transaction of the change that caused them: a commit always has
its events, a rollback never does. record.* carry ids and types only; status.changed the
flag's stored status before and after and the day the new one took effect."""

import uuid
from datetime import date, timedelta

import pytest

from app.config import Settings
from app.db import Database
from app.errors import NotFound
from app.repositories import audit_events
from app.schemas.patient import PatientCreate
from app.schemas.regimen import RegimenCreate
from app.services import patients, records, reevaluation, regimens, status
from app.services.resources import REGIMEN
from app.services.uow import Origin, UnitOfWork
from tests.outbox.stored import (
    CALLER,
    count_patients,
    events,
    new_patient,
    prednisone,
    summary,
)
from tests.support import factories as f

pytestmark = pytest.mark.anyio
RECORD_FIELDS = {"resource_type", "resource_id", "version"}


async def test_a_new_patient_has_its_record_event_then_its_first_flags(
    database: Database, settings: Settings
) -> None:
    patient_id = await new_patient(database, settings)
    written = await events(database, settings)
    assert [e.seq for e in written] == [1, 2, 3, 4]
    assert summary(written[0]) == (
        "record.created",
        {"resource_type": "patient", "resource_id": str(patient_id), "version": 1},
    )
    first = {e.data["flag"]: (e.data["from"], e.data["to"]) for e in written[1:]}
    assert first == {
        "refractory": (None, "not_met"),
        "steroid_dependent": (None, "not_met"),
        "remission": (None, "insufficient_data"),
    }
    assert {e.event_type for e in written[1:]} == {"status.changed"}
    assert {e.patient_id for e in written} == {patient_id}
    assert {e.organization for e in written} == {settings.default_organization}


async def test_changes_and_entering_in_error_are_record_changed_events(
    database: Database, settings: Settings
) -> None:
    patient_id = await new_patient(database, settings)
    start = settings.today() - timedelta(days=9)
    regimen_id = await prednisone(database, settings, patient_id, start)
    async with UnitOfWork(database, CALLER, settings, write=True) as uow:
        await records.enter_in_error(uow, REGIMEN, regimen_id, if_match=None)
        await uow.commit()
    about_regimen = [e for e in await events(database, settings) if e.data.get("resource_id")]
    assert [(e.event_type, e.data["resource_type"], e.data["version"]) for e in about_regimen] == [
        ("record.created", "patient", 1),
        ("record.created", "regimen", 1),
        ("record.changed", "regimen", 2),
    ]
    assert all(set(e.data) == RECORD_FIELDS for e in about_regimen)  # no clinical value


async def test_a_write_that_changes_a_flag_says_so_with_the_day_it_took_effect(
    database: Database, settings: Settings
) -> None:
    patient_id = await new_patient(database, settings)
    await prednisone(database, settings, patient_id, date(2020, 1, 1))
    changed = [e for e in await events(database, settings) if e.seq > 4]
    assert [e.event_type for e in changed] == ["record.created", "status.changed"]
    async with UnitOfWork(database, CALLER, settings) as uow:
        _, history = await status.history(uow, patient_id, None)
    took_effect = [c for c in history if c.flag == "steroid_dependent"][-1].effective_date
    assert changed[1].data == {
        "flag": "steroid_dependent",
        "from": "not_met",
        "to": "met",
        "effective_date": str(took_effect),
    }
    assert took_effect == date(2020, 1, 1) + timedelta(days=180)  # the 180-day run


async def test_the_daily_reevaluation_emits_the_changes_time_made(
    database: Database, settings: Settings
) -> None:
    patient_id = await new_patient(database, settings)
    today = settings.today()
    await prednisone(database, settings, patient_id, today - timedelta(days=100))
    before = len(await events(database, settings))
    later = today + timedelta(days=100)  # the course has run 200 days by then

    await reevaluation.reevaluate_all(
        database, settings, as_of=later, batch_size=10, progress=lambda _: None
    )
    [event] = (await events(database, settings))[before:]
    assert event.data["flag"] == "steroid_dependent"
    assert (event.data["from"], event.data["to"]) == ("not_met", "met")
    assert event.data["effective_date"] == str(today + timedelta(days=80))  # 180 days in
    await reevaluation.reevaluate_all(
        database, settings, as_of=later, batch_size=10, progress=lambda _: None
    )
    assert len(await events(database, settings)) == before + 1  # nothing changed again


async def test_leaving_without_commit_leaves_neither_record_nor_event(
    database: Database, settings: Settings
) -> None:
    async def write_then_fail() -> None:
        async with UnitOfWork(database, CALLER, settings, write=True) as uow:
            await patients.create(uow, PatientCreate.model_validate(f.patient_body()))
            assert uow.outbox.pending  # raised, not yet written
            body = RegimenCreate.model_validate(f.regimen_body())
            await regimens.create(uow, uuid.uuid4(), body)  # no such patient

    with pytest.raises(NotFound):
        await write_then_fail()
    assert await count_patients(database, settings) == 0
    assert await events(database, settings) == []


async def test_a_commit_that_fails_after_writing_its_events_keeps_none_of_them(
    database: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The events are written with the audit event (the last statement before COMMIT,
    one with them on PostgreSQL), which fails: the transaction goes, the record and its
    events with it."""

    async def broken_append(*_: object, **__: object) -> None:
        raise RuntimeError("the audit insert failed")

    monkeypatch.setattr(audit_events, "append", broken_append)
    origin = Origin(method="POST", path="/v1/patients", request_id="r-1", client=None)
    uow = UnitOfWork(database, CALLER, settings, write=True, origin=origin)

    async def create_patient() -> None:
        async with uow:
            await patients.create(uow, PatientCreate.model_validate(f.patient_body()))
            await uow.commit()

    with pytest.raises(RuntimeError, match="audit insert"):
        await create_patient()
    assert uow.outbox.pending == ()  # they were flushed into the transaction ...
    assert await count_patients(database, settings) == 0
    assert await events(database, settings) == []  # ... and rolled back with it
