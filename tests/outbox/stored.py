"""Reading what the outbox wrote, and writing through the services as a job would."""

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from typing import Any

from sqlalchemy import select

from app.config import Settings
from app.db import Database
from app.models import Delivery, OutboxEvent, Patient
from app.schemas.patient import PatientCreate
from app.schemas.regimen import RegimenCreate
from app.services import patients, regimens
from app.services.uow import UnitOfWork, system_caller
from tests.support import factories as f

CALLER = system_caller("test")


@asynccontextmanager
async def opened(settings: Settings) -> AsyncIterator[Database]:
    """A Database of its own (the tests' apps and workers each have theirs)."""
    database = Database.open(settings)
    try:
        yield database
    finally:
        await database.dispose()


async def events(database: Database, settings: Settings) -> list[OutboxEvent]:
    """Every event, each patient's in its order."""
    async with UnitOfWork(database, CALLER, settings) as uow:
        stmt = select(OutboxEvent).order_by(OutboxEvent.patient_id, OutboxEvent.seq)
        found = list((await uow.session.scalars(stmt)).all())
        uow.session.expunge_all()  # kept as read: the read's rollback would expire them
        return found


async def deliveries(database: Database, settings: Settings) -> list[Delivery]:
    async with UnitOfWork(database, CALLER, settings) as uow:
        stmt = select(Delivery).order_by(Delivery.patient_id, Delivery.event_seq)
        found = list((await uow.session.scalars(stmt)).all())
        uow.session.expunge_all()
        return found


async def count_patients(database: Database, settings: Settings) -> int:
    async with UnitOfWork(database, CALLER, settings) as uow:
        return len((await uow.session.scalars(select(Patient.id))).all())


async def new_patient(database: Database, settings: Settings) -> uuid.UUID:
    async with UnitOfWork(database, CALLER, settings, write=True) as uow:
        made = await patients.create(uow, PatientCreate.model_validate(f.patient_body()))
        await uow.commit()
    return made.row.id


async def prednisone(
    database: Database, settings: Settings, patient_id: uuid.UUID, start: date, **over: Any
) -> uuid.UUID:
    """A 20 mg/day course (steroid-dependent once it has run 180 days)."""
    body = RegimenCreate.model_validate(
        f.regimen_body(**f.PREDNISONE, start_date=str(start), **over)
    )
    async with UnitOfWork(database, CALLER, settings, write=True) as uow:
        made = await regimens.create(uow, patient_id, body)
        await uow.commit()
    return made.row.id


def summary(event: OutboxEvent) -> tuple[str, dict[str, Any]]:
    return event.event_type, event.data
