"""A lab or visit write stores remission resumed from the record's date (only records from
then on are read again); what it stores is what every record gives, the live status and
its history say so. Any other write, or a stored flag of another day or rules digest, is
evaluated from every record."""

import uuid
from datetime import date, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select, update

from app.models import PatientFlag
from tests.support import factories as f

pytestmark = pytest.mark.anyio


async def _stored(app: FastAPI, pid: str) -> dict[str, Any]:
    """The patient's stored flag rows, by flag."""
    async with app.state.engine.connect() as conn:
        rows = await conn.execute(
            select(PatientFlag).where(PatientFlag.patient_id == uuid.UUID(pid))
        )
        return {row.flag: row for row in rows}


async def _live(client: httpx.AsyncClient, pid: str) -> tuple[str, str | None, list[list[str]]]:
    """Remission as the rules give it from every record today: status, since, history."""
    status = (await client.get(f"/v1/patients/{pid}/status")).json()["remission"]
    changes = (await client.get(f"/v1/patients/{pid}/status/history")).json()["items"]
    history = [[c["effective_date"], c["to"]] for c in changes if c["flag"] == "remission"]
    return status["status"], status["since"], history


async def _agrees(app: FastAPI, client: httpx.AsyncClient, pid: str) -> dict[str, Any]:
    stored = await _stored(app, pid)
    remission = stored["remission"]
    since = None if remission.since is None else remission.since.isoformat()
    assert (remission.status, since, remission.history) == await _live(client, pid)
    return stored


def _at(day: date, hour: int = 8) -> str:
    return datetime(day.year, day.month, day.day, hour).isoformat() + "Z"


async def _remission_visit(client: httpx.AsyncClient, pid: str, day: date) -> None:
    """ESR, CRP and anti-dsDNA normal, no joints: remission's six criteria met that day."""
    labs = f"/v1/patients/{pid}/lab-results"
    at = _at(day)
    esr = f.lab_body(test="esr", value=10, unit="mm/h", reference_range=None, collected_at=at)
    dsdna = {"loinc": "5130-0", "value_text": "negative", "collected_at": at}
    for body in (esr, f.lab_body(collected_at=at), dsdna):
        await f.created(client, labs, body)
    await f.created(client, f"/v1/patients/{pid}/assessments", f.assessment_body(assessed_at=at))


async def test_lab_and_visit_writes_store_what_every_record_gives(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    today = app.state.settings.today()
    pid = (await f.patient(client))["id"]
    await f.regimen(client, pid)
    for months in range(12, -1, -1):
        await _remission_visit(client, pid, today - timedelta(days=30 * months))
    first = await _agrees(app, client, pid)
    assert first["remission"].status == "met"
    labs = f"/v1/patients/{pid}/lab-results"
    high = {"value": 3.0, "unit": "mg/dL"}

    async def wrote(response: httpx.Response) -> dict[str, Any]:
        assert response.status_code in (200, 201), response.text
        stored = await _agrees(app, client, pid)
        # Resumed: the other flags were not evaluated again (their rows are as they were).
        for flag in ("refractory", "steroid_dependent"):
            assert stored[flag].evaluated_at == first[flag].evaluated_at
        return dict(response.json())

    at = today - timedelta(days=10)
    await wrote(await client.post(labs, json=f.lab_body(**high, collected_at=_at(at))))
    at = today - timedelta(days=300)
    old = await wrote(await client.post(labs, json=f.lab_body(**high, collected_at=_at(at))))
    visits = f"/v1/patients/{pid}/assessments"
    at = today - timedelta(days=200)
    body = f.assessment_body(assessed_at=_at(at), swollen_joints_28=2)
    visit = await wrote(await client.post(visits, json=body))
    # Moved on in time: remission is swept again from the earlier of its two dates.
    moved = {"assessed_at": _at(today - timedelta(days=5))}
    await wrote(await client.patch(f"/v1/assessments/{visit['id']}", json=moved))
    await wrote(await client.delete(f"/v1/lab-results/{old['id']}"))
    # The high CRP of ten days ago ended the remission until today's normal one.
    last = (await _stored(app, pid))["remission"]
    assert (last.status, last.since) == ("met", today)
    assert last.history[-2:] == [[str(today - timedelta(days=10)), "not_met"], [str(today), "met"]]


async def test_other_writes_and_stale_stored_flags_are_evaluated_from_every_record(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    today = app.state.settings.today()
    pid = (await f.patient(client))["id"]
    await _remission_visit(client, pid, today - timedelta(days=3))
    before = await _agrees(app, client, pid)
    await f.prednisone(client, pid)  # a regimen: every flag evaluated again
    after = await _agrees(app, client, pid)
    assert after["refractory"].evaluated_at > before["refractory"].evaluated_at
    for stale in (
        {"rules_digest": "another"},
        {"as_of": today - timedelta(days=1)},
        {"history": None},
    ):
        async with app.state.engine.begin() as conn:
            await conn.execute(
                update(PatientFlag).where(PatientFlag.patient_id == uuid.UUID(pid)).values(**stale)
            )
        await f.created(
            client, f"/v1/patients/{pid}/lab-results", f.lab_body(collected_at=_at(today))
        )
        now = await _agrees(app, client, pid)
        assert now["refractory"].evaluated_at > after["refractory"].evaluated_at
        assert {row.rules_digest for row in now.values()} == {app.state.settings.rules.digest}
        assert {row.as_of for row in now.values()} == {today}
        after = now
