"""Audit, completed (api-contract.md 1.1): refused requests are audited with their outcome, a
list read records what was asked and whom it returned, rows cannot be changed or deleted,
and a read's audit row is committed durably."""

import uuid
from typing import Any

import httpx
import jwt
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app.config import Settings
from app.db import Database
from app.services.uow import UnitOfWork, system_caller
from tests.support import factories as f
from tests.support.clients import client_with, token

pytestmark = pytest.mark.anyio


async def _events(app: FastAPI, settings: Settings, **params: str) -> list[dict[str, Any]]:
    async with client_with(app, token(settings, "audit:read", sub="auditor")) as c:
        response = await c.get("/v1/audit-events", params={"limit": "500", **params})
    assert response.status_code == 200, response.text
    return [e for e in response.json()["items"] if e["actor"] != "auditor"]


async def test_a_refused_token_that_names_a_subject_is_audited(
    app: FastAPI, settings: Settings
) -> None:
    pid = str(uuid.uuid4())
    forged = jwt.encode({"sub": "mallory", "exp": 2**31}, "guessed-secret-" + "q" * 32)
    nameless = jwt.encode({"exp": 2**31}, "guessed-secret-" + "q" * 32)
    for bearer in (forged, nameless, None):
        async with client_with(app, bearer) as c:
            assert (await c.get(f"/v1/patients/{pid}")).status_code == 401
    events = await _events(app, settings)
    assert [(e["actor"], e["status"], e["patient_id"]) for e in events] == [("mallory", 401, pid)]


async def test_a_missing_scope_is_audited(app: FastAPI, settings: Settings) -> None:
    pid = str(uuid.uuid4())
    async with client_with(app, token(settings, "labs:write", sub="lab")) as c:
        assert (await c.get(f"/v1/patients/{pid}/status")).status_code == 403
    events = await _events(app, settings)
    assert [(e["actor"], e["status"], e["patient_id"]) for e in events] == [("lab", 403, pid)]


async def test_a_list_read_records_its_query_and_the_patients_it_returned(
    app: FastAPI, settings: Settings, client: httpx.AsyncClient
) -> None:
    found = await f.patient(client)
    other = await f.patient(client)
    await client.get("/v1/patients", params={"mrn": found["mrn"]})
    await client.get("/v1/patients", params={"mrn": "NOBODY-1"})
    await client.get(f"/v1/patients/{other['id']}/lab-results", params={"test": "crp"})
    await client.get("/v1/patients", params={"limit": "500"})
    reads = [e for e in await _events(app, settings) if e["method"] == "GET"]
    assert [(e["query"], e["patient_ids"]) for e in reads] == [
        (f"mrn={found['mrn']}", [found["id"]]),
        ("mrn=NOBODY-1", []),  # a miss says what was looked for
        ("test=crp", [other["id"]]),
        ("limit=500", [found["id"], other["id"]]),
    ]


async def test_a_cohort_read_records_its_query(
    app: FastAPI, settings: Settings, client: httpx.AsyncClient
) -> None:
    made = await f.patient(client)
    status = (await client.get(f"/v1/patients/{made['id']}/status")).json()["remission"]
    await client.get("/v1/patients", params={"flag": "remission", "flag_status": status["status"]})
    cohort = (await _events(app, settings))[-1]
    assert cohort["query"] == f"flag=remission&flag_status={status['status']}"
    assert cohort["patient_ids"] == [made["id"]]


@pytest.mark.parametrize(
    "statement", ["UPDATE audit_event SET status = 200", "DELETE FROM audit_event"]
)
async def test_audit_rows_cannot_be_changed_or_deleted(
    client: httpx.AsyncClient, settings: Settings, statement: str
) -> None:
    await f.patient(client)  # one audit row at least
    database = Database.open(settings)
    try:
        async with UnitOfWork(database, system_caller("test"), settings, write=True) as uow:
            with pytest.raises(DBAPIError, match="append-only"):
                await uow.session.execute(text(statement))
    finally:
        await database.dispose()


async def test_a_reads_audit_row_is_committed_durably(settings: Settings) -> None:
    """No asynchronous commit for reads: a crash after the answer cannot lose its row."""
    database = Database.open(settings)
    try:
        async with UnitOfWork(database, system_caller("test"), settings) as uow:
            if settings.is_sqlite:
                level = await uow.session.scalar(text("PRAGMA synchronous"))
                assert level in (1, 2, 3)  # NORMAL in WAL mode: durable across a crash
            else:
                assert await uow.session.scalar(text("SHOW synchronous_commit")) == "on"
    finally:
        await database.dispose()
