"""Integration-grade guarantees inside one process: idempotency keys, natural keys under
races, versions, and database contention answered 503 (never 500)."""

import asyncio
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text, update

from app.config import Settings
from app.db import WRITE
from app.main import create_app
from app.models import IdempotencyKey
from app.repositories.base import encode_cursor
from tests.support import factories as f
from tests.support.clients import client_with, token

pytestmark = pytest.mark.anyio


async def test_same_idempotency_key_and_body_replays_the_first_answer(
    client: httpx.AsyncClient,
) -> None:
    body = f.patient_body()
    headers = {"Idempotency-Key": "create-patient-1-" + body["mrn"]}
    first = await client.post("/v1/patients", json=body, headers=headers)
    again = await client.post(
        "/v1/patients",
        content=_reordered(body),
        headers={**headers, "Content-Type": "application/json"},
    )
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again.headers["location"] == first.headers["location"]
    assert again.headers["idempotent-replayed"] == "true"
    listed = await client.get("/v1/patients", params={"mrn": body["mrn"]})
    assert len(listed.json()["items"]) == 1


async def test_same_key_with_another_body_is_422(client: httpx.AsyncClient) -> None:
    patient = await f.patient(client)
    path = f"/v1/patients/{patient['id']}/lab-results"
    headers = {"Idempotency-Key": f"lab-{patient['id']}"}
    assert (await client.post(path, json=f.lab_body(), headers=headers)).status_code == 201
    other = await client.post(path, json=f.lab_body(value=9.9), headers=headers)
    assert other.status_code == 422
    assert other.json()["errors"][0]["loc"] == ["header", "Idempotency-Key"]
    assert len((await client.get(path)).json()["items"]) == 1


async def test_keys_belong_to_their_caller(app: FastAPI, settings: Settings) -> None:
    body = f.patient_body()
    for sub in ("sender-a", "sender-b"):
        async with client_with(app, token(settings, "records:write", sub=sub)) as c:
            response = await c.post(
                "/v1/patients",
                json={**body, "mrn": body["mrn"] + sub},
                headers={"Idempotency-Key": "shared-key-" + body["mrn"]},
            )
            assert response.status_code == 201


async def test_expired_key_may_be_used_afresh(app: FastAPI, client: httpx.AsyncClient) -> None:
    key = "old-key-" + f.patient_body()["mrn"]
    first = await client.post(
        "/v1/patients", json=f.patient_body(), headers={"Idempotency-Key": key}
    )
    async with app.state.sessionmaker() as session, session.begin():
        await session.execute(
            update(IdempotencyKey)
            .where(IdempotencyKey.key == key)
            .values(created_at=datetime.now(UTC) - timedelta(days=2))
        )
    second = await client.post(
        "/v1/patients", json=f.patient_body(), headers={"Idempotency-Key": key}
    )
    assert second.status_code == 201
    assert second.json()["id"] != first.json()["id"]


async def test_bad_idempotency_key_is_422(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/patients", json=f.patient_body(), headers={"Idempotency-Key": "x" * 256}
    )
    assert response.status_code == 422


async def test_racing_requests_with_one_key_create_one_record(client: httpx.AsyncClient) -> None:
    patient = await f.patient(client)
    path = f"/v1/patients/{patient['id']}/assessments"
    headers = {"Idempotency-Key": f"visit-{patient['id']}"}
    answers = await asyncio.gather(
        *[client.post(path, json=f.assessment_body(), headers=headers) for _ in range(8)]
    )
    assert {a.status_code for a in answers} == {201}
    assert len({a.json()["id"] for a in answers}) == 1
    assert len((await client.get(path)).json()["items"]) == 1


async def test_racing_resends_of_an_external_id_create_one_record(
    client: httpx.AsyncClient,
) -> None:
    patient = await f.patient(client)
    path = f"/v1/patients/{patient['id']}/lab-results"
    body = f.lab_body(external_id="ACC-RACE-1")
    answers = await asyncio.gather(*[client.post(path, json=body) for _ in range(8)])
    assert sorted(a.status_code for a in answers) == [200] * 7 + [201]
    assert len({a.json()["id"] for a in answers}) == 1
    assert len((await client.get(path)).json()["items"]) == 1


async def test_concurrent_patches_keep_versions_strictly_increasing(
    client: httpx.AsyncClient,
) -> None:
    patient = await f.patient(client)
    visit = await f.created(
        client, f"/v1/patients/{patient['id']}/assessments", f.assessment_body()
    )
    path = f"/v1/assessments/{visit['id']}"
    answers = await asyncio.gather(
        *[client.patch(path, json={"tender_joints_28": n}) for n in range(1, 9)]
    )
    assert {a.status_code for a in answers} == {200}
    assert sorted(a.json()["version"] for a in answers) == list(range(2, 10))
    history = (await client.get(f"{path}/history")).json()["items"]
    assert [v["version"] for v in history] == list(range(1, 10))
    stale = await client.patch(path, json={"tender_joints_28": 0}, headers={"If-Match": 'W/"3"'})
    assert stale.status_code == 412


async def test_database_contention_is_503_with_retry_after(settings: Settings) -> None:
    """A write that cannot get its lock within the timeout is refused, not hung, not 500."""
    settings = settings.model_copy(update={"db_timeout_seconds": 0.3})
    app = create_app(settings)
    async with client_with(app, token(settings)) as client:
        patient = await f.patient(client)
        blocker = create_app(settings).state.engine
        async with blocker.connect() as conn:
            writer = await conn.execution_options(**WRITE)  # SQLite: BEGIN IMMEDIATE
            hold = "SELECT 1" if settings.is_sqlite else "LOCK TABLE patient IN EXCLUSIVE MODE"
            await writer.execute(text(hold))
            response = await client.post(
                f"/v1/patients/{patient['id']}/assessments", json=f.assessment_body()
            )
            await conn.rollback()
        await blocker.dispose()
        assert response.status_code == 503, response.text
        assert response.headers["retry-after"] == "1"
        assert response.headers["content-type"] == "application/problem+json"
        assert (await client.get(f"/v1/patients/{patient['id']}/assessments")).json()["items"] == []
    await app.state.engine.dispose()


def _reordered(body: dict[str, Any]) -> bytes:
    import json

    return json.dumps(dict(reversed(list(body.items()))), indent=2).encode()


async def test_concurrent_patches_of_different_fields_both_survive(
    client: httpx.AsyncClient,
) -> None:
    patient = await f.patient(client)
    # Planned, not started: its starting dose and interval may still be edited.
    start = (date.today() + timedelta(days=30)).isoformat()
    regimen = await f.regimen(client, patient["id"], start_date=start)
    path = f"/v1/regimens/{regimen['id']}"
    answers = await asyncio.gather(
        client.patch(path, json={"interval_days": 21}),
        client.patch(path, json={"dose": {"value": 4, "unit": "mg/kg"}}),
    )
    assert {a.status_code for a in answers} == {200}
    final = (await client.get(path)).json()
    assert (final["interval_days"], final["dose"]["value"], final["version"]) == (21, 4.0, 3)


async def test_unexpected_errors_are_500_problems_without_their_message(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(settings)

    secret = "SECRET-" + "PATIENT-VALUE"  # kept out of the source line the frames quote

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError(secret)

    async with client_with(app, None) as client:
        response = await client.get("/boom")
    await app.state.engine.dispose()
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert secret not in response.text
    assert secret not in caplog.text
    assert "RuntimeError" in caplog.text


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/v1/audit-events", {"from": "0001-01-01T00:00:00+14:00"}),
        ("/v1/audit-events", {"to": "9999-12-31T23:59:59-14:00"}),
        (
            "/v1/patients",
            {"cursor": encode_cursor("2016-01-01T00:00:00", uuid.UUID(int=0))},  # no offset
        ),
    ],
)
async def test_extreme_or_crafted_query_values_are_422(
    client: httpx.AsyncClient, path: str, params: dict[str, str]
) -> None:
    response = await client.get(path, params=params)
    assert response.status_code == 422, response.text
