"""Timestamps read back are aware UTC datetimes on both databases, whatever a PostgreSQL
session's time zone (models/base.UTCDateTime: SQLite keeps no offset and gets UTC added;
asyncpg answers UTC already, so nothing is done per value there)."""

from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from app.models import LabResult, Patient
from tests.support import factories as f

pytestmark = pytest.mark.anyio


async def test_timestamps_read_back_are_aware_utc(app: FastAPI, client: httpx.AsyncClient) -> None:
    pid = (await f.patient(client))["id"]
    await f.created(
        client,
        f"/v1/patients/{pid}/lab-results",
        f.lab_body(collected_at="2026-03-01T08:30:00+02:00"),
    )
    stmt = select(Patient.created_at, LabResult.collected_at).join(
        LabResult, LabResult.patient_id == Patient.id
    )
    async with app.state.engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            await connection.exec_driver_sql("SET TIME ZONE 'Asia/Tokyo'")
        created, collected = (await connection.execute(stmt)).one()
    for moment in (created, collected):
        assert moment.utcoffset() == timedelta(0)  # None for a naive one
    assert (collected.hour, collected.minute) == (6, 30)  # 08:30+02:00
