"""Row ids are UUIDv7 (models/base.new_id): a table's new rows sort in the order they were
made, as both databases compare ids, so they are appended at one end of its primary key's
index rather than scattered over it."""

import time

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from app.models import AuditEvent, LabResult, OutboxEvent, RecordVersion
from app.models.base import new_id
from tests.support import factories as f

pytestmark = pytest.mark.anyio


def test_new_ids_are_version_7_and_sort_in_the_order_they_were_made() -> None:
    ids = [new_id() for _ in range(2000)]
    assert {i.version for i in ids} == {7}
    assert len(set(ids)) == len(ids)
    assert sorted(ids, key=lambda i: i.bytes) == ids  # PostgreSQL's uuid order
    assert sorted(ids, key=lambda i: i.hex) == ids  # SQLite's (32 hex characters)


def test_new_ids_carry_the_ms_they_were_made_in_however_many_are_made() -> None:
    """Ids of one ms are kept in order by a counter, not by moving the time on: an import's
    thousands of ids a second do not carry times ahead of the clock."""
    before = time.time_ns() // 1_000_000
    ids = [new_id() for _ in range(100_000)]
    after = time.time_ns() // 1_000_000
    assert all(before <= made.int >> 80 <= after for made in (ids[0], ids[-1]))


async def test_a_write_appends_rows_whose_ids_the_database_orders_as_they_were_made(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    pid = (await f.patient(client))["id"]
    made = []
    for day in range(1, 6):
        body = f.lab_body(collected_at=f"2026-03-0{day}T08:30:00Z")
        made.append((await f.created(client, f"/v1/patients/{pid}/lab-results", body))["id"])
    async with app.state.engine.connect() as connection:
        stored = (await connection.execute(select(LabResult.id).order_by(LabResult.id))).all()
        assert [str(row.id) for row in stored] == made
        for table in (RecordVersion, OutboxEvent, AuditEvent):
            ids = (await connection.execute(select(table.id))).scalars().all()
            assert ids, table.__name__
            assert {i.version for i in ids} == {7}, table.__name__
