"""`python -m app reevaluate`: the daily job that refreshes every stored flag."""

import subprocess
import sys
import uuid

import anyio
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select, update

from app.config import Settings
from app.db import Database
from app.models import PatientFlag
from app.rules import RULES_VERSION
from app.schemas.status import FLAG_NAMES, FLAG_STATUSES
from app.services import reevaluation
from tests.support import factories as f
from tests.support.clients import ROOT, client_with, token


@pytest.mark.slow
@pytest.mark.anyio
async def test_reevaluate_command_refreshes_flags_as_of_a_date(
    app: FastAPI, settings: Settings
) -> None:
    async with client_with(app, token(settings)) as client:
        patient = await f.patient(client)
        await f.prednisone(
            client,
            patient["id"],
            start_date="2017-01-01",
            end_date="2017-12-31",
            discontinuation_reason="remission",
        )
        stored_today = await _cohort(client, patient["mrn"])
    done = await anyio.to_thread.run_sync(
        lambda: subprocess.run(
            [
                sys.executable,
                "-m",
                "app",
                "reevaluate",
                "--as-of",
                "2017-12-01",
                "--batch-size",
                "7",
            ],
            cwd=ROOT,
            env={"PATH": "/usr/bin:/bin", "TR_DATABASE_URL": settings.database_url},
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    )
    assert done.returncode == 0, done.stderr
    assert "patients re-evaluated as of 2017-12-01" in done.stdout
    assert "expired idempotency keys purged" in done.stdout
    assert "re-evaluating as of 2017-12-01" in done.stderr  # the progress bar
    assert "100%" in done.stderr
    async with client_with(app, token(settings)) as client:
        assert stored_today == "not_met"  # the course ended long before today
        assert await _cohort(client, patient["mrn"]) == "met"  # 180 days at 20 mg by then


async def _cohort(client: httpx.AsyncClient, mrn: str) -> str:
    for status in FLAG_STATUSES:
        page = await client.get(
            "/v1/patients", params={"mrn": mrn, "flag": "steroid_dependent", "flag_status": status}
        )
        if page.json()["items"]:
            return status
    raise AssertionError("no stored flag")


@pytest.mark.anyio
async def test_stored_flags_equal_a_fresh_evaluation(app: FastAPI, settings: Settings) -> None:
    async with client_with(app, token(settings)) as client:
        patient = await f.patient(client)
        pid = patient["id"]
        await f.prednisone(client, pid, start_date="2020-01-01")
        await f.created(
            client,
            f"/v1/patients/{pid}/lab-results",
            f.lab_body(collected_at="2026-01-01T00:00:00Z"),
        )
        fresh = (await client.get(f"/v1/patients/{pid}/status")).json()
    async with app.state.sessionmaker() as session:
        stored = {
            row.flag: row.status
            for row in (
                await session.scalars(
                    select(PatientFlag).where(PatientFlag.patient_id == uuid.UUID(pid))
                )
            ).all()
        }
    assert stored == {name: fresh[name]["status"] for name in FLAG_NAMES}
    assert stored["steroid_dependent"] == "met"


@pytest.mark.anyio
async def test_the_write_itself_is_in_the_stored_flags(app: FastAPI, settings: Settings) -> None:
    """The flags stored by a write include that write (not only the records before it)."""
    async with client_with(app, token(settings)) as client:
        patient = await f.patient(client)
        await f.prednisone(
            client,
            patient["id"],
            start_date="2020-01-01",
        )
        cohort = await client.get(
            "/v1/patients",
            params={"flag": "steroid_dependent", "flag_status": "met", "mrn": patient["mrn"]},
        )
    assert [p["id"] for p in cohort.json()["items"]] == [patient["id"]]


@pytest.mark.anyio
async def test_the_daily_job_rewrites_the_flags_of_an_older_rules_version(
    app: FastAPI, settings: Settings
) -> None:
    """After an upgrade of the rules, every stored row of another version is evaluated again
    (what `python -m app reevaluate`, the daily job, runs) and names the current version."""
    async with client_with(app, token(settings)) as client:
        pid = (await f.patient(client))["id"]
        await f.prednisone(client, pid, start_date="2020-01-01")
        fresh = (await client.get(f"/v1/patients/{pid}/status")).json()
    async with app.state.sessionmaker.begin() as session:
        await session.execute(
            update(PatientFlag).values(rules_version="2026.1", status="insufficient_data")
        )
    database = Database.open(settings)
    try:
        done = await reevaluation.reevaluate_all(
            database, settings, as_of=settings.today(), batch_size=10, progress=lambda _: None
        )
    finally:
        await database.dispose()
    async with app.state.sessionmaker() as session:
        rows = (await session.scalars(select(PatientFlag))).all()
    assert done == 1
    assert {(r.flag, r.status, r.rules_version) for r in rows} == {
        (name, fresh[name]["status"], RULES_VERSION) for name in FLAG_NAMES
    }
