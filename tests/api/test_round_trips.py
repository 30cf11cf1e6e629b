"""The hot calls send a fixed number of statements, whatever the patient's history: the
rules read a history with one query per table, lists read a page with one query, and no
call runs a query per record (architecture.md, "Hot paths": as few round trips as it can).

A patient with one record of each kind and one with many answer each call with the same
statements; the counts are those of the design, so a new statement on a hot path is a
decision that changes this file."""

from collections.abc import Awaitable, Callable
from datetime import date, timedelta

import httpx
import pytest
from fastapi import FastAPI

from app.schemas import examples
from tests.support import factories as f
from tests.support.statements import sent_statements

pytestmark = pytest.mark.anyio

START = date(2016, 1, 10)


async def _patient_with(client: httpx.AsyncClient, records: int) -> str:
    """A patient on tocilizumab (with a dose change) and prednisone, with `records` lab
    results and visits, a week apart."""
    pid: str = (await f.patient(client))["id"]
    toci = await f.regimen(client, pid)
    await f.prednisone(client, pid, start_date=START.isoformat())
    await f.created(client, f"/v1/regimens/{toci['id']}/dose-changes", examples.DOSE_CHANGE)
    for n in range(records):
        day = START + timedelta(weeks=n)
        await f.created(
            client,
            f"/v1/patients/{pid}/lab-results",
            f.lab_body(value=0.2 + n / 100, collected_at=f"{day}T08:00:00Z"),
        )
        await f.created(
            client,
            f"/v1/patients/{pid}/assessments",
            f.assessment_body(assessed_at=f"{day}T09:00:00Z"),
        )
    return pid


# Statements a call sends, transaction control included. SQLite also sends BEGIN, the
# reader's and its audit turn's; a writer reads the stored statuses before its flag upsert
# (PostgreSQL's RETURNING answers them) and writes versions, events and the audit row in
# three INSERTs (PostgreSQL: one WITH statement).
BUDGET = {
    "patient read": {"postgresql": 2, "sqlite": 4},  # the row; the audit row
    # the patient with its kept document's lookup, 4 tables, the audit row, the document kept
    "status": {"postgresql": 7, "sqlite": 9},
    "status again": {"postgresql": 2, "sqlite": 4},  # the patient with its document, the audit row
    "lab list": {"postgresql": 3, "sqlite": 5},  # the patient, the page, the audit row
    # lock, insert, the stored flags, remission's 2 tables from the record's date (the
    # stored history resumed there), flag upsert, last events, subscriptions,
    # versions+events+audit
    "lab POST": {"postgresql": 9, "sqlite": 13},
    "visit POST": {"postgresql": 9, "sqlite": 13},
}
Call = Callable[[httpx.AsyncClient, str], Awaitable[httpx.Response]]
CALLS: dict[str, Call] = {
    "patient read": lambda c, pid: c.get(f"/v1/patients/{pid}"),
    "status": lambda c, pid: c.get(f"/v1/patients/{pid}/status"),
    "status again": lambda c, pid: c.get(f"/v1/patients/{pid}/status"),
    "lab list": lambda c, pid: c.get(f"/v1/patients/{pid}/lab-results", params={"limit": 50}),
    "lab POST": lambda c, pid: c.post(
        f"/v1/patients/{pid}/lab-results", json=f.lab_body(collected_at="2016-06-01T08:00:00Z")
    ),
    "visit POST": lambda c, pid: c.post(
        f"/v1/patients/{pid}/assessments",
        json=f.assessment_body(assessed_at="2016-06-01T09:00:00Z"),
    ),
}


async def _sent(app: FastAPI, client: httpx.AsyncClient, pid: str) -> dict[str, list[str]]:
    sent: dict[str, list[str]] = {}
    for name, call in CALLS.items():
        with sent_statements(app.state.engine) as statements:
            response = await call(client, pid)
        assert response.status_code < 300, (name, response.text)
        sent[name] = statements
    return sent


async def test_hot_calls_send_the_same_statements_for_a_long_history_as_for_a_short(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    short = await _sent(app, client, await _patient_with(client, 1))
    long = await _sent(app, client, await _patient_with(client, 30))
    assert long == short  # the same statements, word for word
    dialect = app.state.engine.dialect.name
    assert {name: len(sent) for name, sent in short.items()} == {
        name: budget[dialect] for name, budget in BUDGET.items()
    }
