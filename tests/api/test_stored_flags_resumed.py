"""A lab or visit write stores remission resumed from the record's date (only records from
then on are read again); what it stores is what every record gives, the live status and
its history say so. Any other write, or a stored flag of another day or rules digest, is
evaluated from every record. Each test runs in UTC and in a clinical time zone behind it
(records at 02:00Z belong to the day before there)."""

import json
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select, update

from app.config import Settings
from app.models import PatientFlag
from app.rules import RuleSettings, clinical_date
from tests.support import factories as f
from tests.support.clients import SECRET

pytestmark = pytest.mark.anyio
OTHERS = ("refractory", "steroid_dependent")


@pytest.fixture(params=["UTC", "America/Los_Angeles"])
def settings(database_url: str, request: pytest.FixtureRequest) -> Settings:
    zone = RuleSettings(clinical_timezone=request.param)
    return Settings(database_url=database_url, jwt_secret=SECRET, rules=zone)


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


def _ago(days: int) -> datetime:
    """`days` before now, at 02:00Z (now, a minute ago, for 0)."""
    now = datetime.now(UTC)
    if days == 0:
        return now - timedelta(minutes=1)
    return (now - timedelta(days=days)).replace(hour=2, minute=0, second=0, microsecond=0)


def _day(app: FastAPI, moment: datetime) -> date:
    return clinical_date(moment, app.state.settings.rules.clinical_timezone)


async def _remission_visit(client: httpx.AsyncClient, pid: str, moment: datetime) -> None:
    """ESR, CRP and anti-dsDNA normal, no joints: remission's six criteria met that day."""
    labs = f"/v1/patients/{pid}/lab-results"
    at = moment.isoformat()
    esr = f.lab_body(test="esr", value=10, unit="mm/h", reference_range=None, collected_at=at)
    dsdna = {"loinc": "5130-0", "value_text": "negative", "collected_at": at}
    for body in (esr, f.lab_body(collected_at=at), dsdna):
        await f.created(client, labs, body)
    await f.created(client, f"/v1/patients/{pid}/assessments", f.assessment_body(assessed_at=at))


async def _in_remission(client: httpx.AsyncClient) -> str:
    """A patient on tocilizumab with a remission visit a month for a year, the last now."""
    pid: str = (await f.patient(client))["id"]
    await f.regimen(client, pid)
    for months in range(12, -1, -1):
        await _remission_visit(client, pid, _ago(30 * months))
    return pid


HIGH = {"value": 3.0, "unit": "mg/dL"}


async def test_lab_and_visit_writes_store_what_every_record_gives(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    pid = await _in_remission(client)
    first = await _agrees(app, client, pid)
    assert first["remission"].status == "met"
    labs = f"/v1/patients/{pid}/lab-results"

    async def wrote(response: httpx.Response) -> dict[str, Any]:
        assert response.status_code in (200, 201), response.text
        stored = await _agrees(app, client, pid)
        # Resumed: the other flags were not evaluated again (their rows are as they were).
        for flag in OTHERS:
            assert stored[flag].evaluated_at == first[flag].evaluated_at
        return dict(response.json())

    ten_days = _ago(10)
    await wrote(await client.post(labs, json=f.lab_body(**HIGH, collected_at=ten_days.isoformat())))
    body = f.lab_body(**HIGH, collected_at=_ago(300).isoformat())
    old = await wrote(await client.post(labs, json=body))
    visits = f"/v1/patients/{pid}/assessments"
    body = f.assessment_body(assessed_at=_ago(200).isoformat(), swollen_joints_28=2)
    visit = await wrote(await client.post(visits, json=body))
    # Moved on in time: remission is swept again from the earlier of its two dates.
    moved = {"assessed_at": _ago(5).isoformat()}
    await wrote(await client.patch(f"/v1/assessments/{visit['id']}", json=moved))
    await wrote(await client.delete(f"/v1/lab-results/{old['id']}"))
    # The high CRP of ten days ago ended the remission until the last normal one, now.
    last = (await _stored(app, pid))["remission"]
    today = _day(app, _ago(0))
    assert (last.status, last.since) == ("met", today)
    assert last.history[-2:] == [[str(_day(app, ten_days)), "not_met"], [str(today), "met"]]


async def test_an_import_resumes_each_patient_from_its_own_date(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    early, late = await _in_remission(client), await _in_remission(client)
    before = {pid: await _stored(app, pid) for pid in (early, late)}
    mrns = {pid: (await client.get(f"/v1/patients/{pid}")).json()["mrn"] for pid in before}
    lines = [
        {"type": "lab_result", "patient_mrn": mrns[pid], **f.lab_body(**HIGH, collected_at=at)}
        for pid, at in ((early, _ago(200).isoformat()), (late, _ago(10).isoformat()))
    ]
    body = "\n".join(json.dumps(line) for line in lines)
    headers = {"Content-Type": "application/x-ndjson"}
    response = await client.post("/v1/import", content=body, headers=headers)
    assert response.status_code == 200, response.text
    for pid in (early, late):  # one unit of work stored both, each resumed
        stored = await _agrees(app, client, pid)
        assert stored["remission"].evaluated_at > before[pid]["remission"].evaluated_at
        for flag in OTHERS:
            assert stored[flag].evaluated_at == before[pid][flag].evaluated_at


async def test_other_writes_and_stale_stored_flags_are_evaluated_from_every_record(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    today = app.state.settings.today()
    pid = (await f.patient(client))["id"]
    await _remission_visit(client, pid, _ago(3))
    before = await _agrees(app, client, pid)
    await f.prednisone(client, pid)  # a regimen: every flag evaluated again
    after = await _agrees(app, client, pid)
    assert after["refractory"].evaluated_at > before["refractory"].evaluated_at
    stale_rows = [
        ("refractory", {"rules_digest": "another"}),
        ("steroid_dependent", {"as_of": today - timedelta(days=1)}),
        ("remission", {"rules_digest": None}),
        ("remission", {"history": None}),
    ]
    for flag, stale in stale_rows:
        async with app.state.engine.begin() as conn:
            await conn.execute(
                update(PatientFlag)
                .where(PatientFlag.patient_id == uuid.UUID(pid), PatientFlag.flag == flag)
                .values(**stale)
            )
        body = f.lab_body(collected_at=_ago(0).isoformat())
        await f.created(client, f"/v1/patients/{pid}/lab-results", body)
        now = await _agrees(app, client, pid)
        for other in OTHERS:  # evaluated again
            assert now[other].evaluated_at > after[other].evaluated_at
        assert {row.rules_digest for row in now.values()} == {app.state.settings.rules.digest}
        assert {row.as_of for row in now.values()} == {today}
        after = now
