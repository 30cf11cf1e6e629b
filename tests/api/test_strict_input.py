"""Version 1.1 strictness: control characters, dates and times that are not ISO text,
the audit's client address, and no caching of answers with patient data."""

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.config import Settings
from app.main import create_app
from tests.support import factories as f
from tests.support.clients import token

pytestmark = pytest.mark.anyio
CONTROL = ["\x00", "\x01", "\n", "\t", "\x1b", "\x7f"]


@pytest.mark.parametrize("char", CONTROL)
async def test_control_characters_in_text_fields_are_422(
    client: httpx.AsyncClient, char: str
) -> None:
    patient = await f.patient(client)
    regimen = await f.regimen(client, patient["id"])
    attempts: list[tuple[str, dict[str, Any], str]] = [
        ("/v1/patients", f.patient_body(mrn=f"A{char}B"), "mrn"),
        ("/v1/patients", f.patient_body(given_name=f"Ann{char}"), "given_name"),
        (
            "/v1/patients",
            f.patient_body(diagnoses=[{"system": "icd10", "code": f"M06{char}"}]),
            "code",
        ),
        (f"/v1/patients/{patient['id']}/regimens", f.regimen_body(drug=f"toci{char}"), "drug"),
        (
            f"/v1/regimens/{regimen['id']}/infusions",
            f.infusion_body(external_id=f"ADM{char}1"),
            "external_id",
        ),
        (
            f"/v1/patients/{patient['id']}/lab-results",
            f.lab_body(external_id=f"L{char}1"),
            "external_id",
        ),
        (f"/v1/patients/{patient['id']}/lab-results", f.lab_body(unit=f"mg{char}/L"), "unit"),
    ]
    for path, body, field in attempts:
        response = await client.post(path, json=body)
        assert response.status_code == 422, (path, field, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert any(e["loc"][-1] == field for e in response.json()["errors"]), response.text
    listed = await client.get(f"/v1/patients/{patient['id']}/lab-results")
    assert listed.json()["items"] == []


@pytest.mark.parametrize("char", ["%00", "%0A", "%7F"])
async def test_control_characters_in_query_text_are_422(
    client: httpx.AsyncClient, char: str
) -> None:
    patient = await f.patient(client)
    for path in (
        f"/v1/patients?mrn=A{char}",
        f"/v1/audit-events?actor=x{char}",
        f"/v1/patients/{patient['id']}/lab-results?test=crp{char}",
    ):
        response = await client.get(path)
        assert response.status_code == 422, (path, response.text)


@pytest.mark.parametrize("value", ["0", "0.5", "1", "-1", "20160510", "2016-5-10", "2016-05-10x"])
async def test_query_dates_are_iso_dates_only(client: httpx.AsyncClient, value: str) -> None:
    patient = await f.patient(client)
    response = await client.get(f"/v1/patients/{patient['id']}/status", params={"as_of": value})
    assert response.status_code == 422, response.text


@pytest.mark.parametrize("value", ["0", "0.5", "1462867200", "2016-05-10", "yesterday"])
async def test_query_timestamps_are_rfc3339_only(client: httpx.AsyncClient, value: str) -> None:
    patient = await f.patient(client)
    for name in ("from", "to"):
        for path in (f"/v1/patients/{patient['id']}/lab-results", "/v1/audit-events"):
            response = await client.get(path, params={name: value})
            assert response.status_code == 422, (path, name, value, response.text)


async def test_well_formed_dates_and_timestamps_still_pass(client: httpx.AsyncClient) -> None:
    patient = await f.patient(client)
    status = await client.get(f"/v1/patients/{patient['id']}/status?as_of=2017-12-01")
    assert status.status_code == 200
    for stamp in ("2016-05-10T08:00:00Z", "2016-05-10T08:00:00.123+02:00"):
        listed = await client.get(f"/v1/patients/{patient['id']}/lab-results", params={"to": stamp})
        assert listed.status_code == 200, listed.text


@pytest.mark.parametrize("value", [0, 1462867200, "1462867200", 1.5])
async def test_body_timestamps_must_be_rfc3339_text(client: httpx.AsyncClient, value: Any) -> None:
    patient = await f.patient(client)
    response = await client.post(
        f"/v1/patients/{patient['id']}/lab-results", json=f.lab_body(collected_at=value)
    )
    assert response.status_code == 422, response.text


async def test_answers_with_patient_data_are_not_cached(client: httpx.AsyncClient) -> None:
    patient = await f.patient(client)
    for path in (f"/v1/patients/{patient['id']}", "/v1/patients", "/v1/patients/nope"):
        response = await client.get(path)
        assert response.headers["cache-control"] == "no-store", path
    assert "cache-control" not in (await client.get("/healthz")).headers


async def _audited_client(app: FastAPI, settings: Settings, headers: dict[str, str]) -> str | None:
    """GET one patient as a peer at 10.0.0.5 and return the audit trail's client."""
    transport = httpx.ASGITransport(app=app, client=("10.0.0.5", 41000))
    bearer = {"Authorization": f"Bearer {token(settings)}"}
    async with httpx.AsyncClient(transport=transport, base_url="http://t", headers=bearer) as c:
        patient = (await c.post("/v1/patients", json=f.patient_body())).json()
        await c.get(f"/v1/patients/{patient['id']}", headers=headers)
        events = await c.get("/v1/audit-events", params={"patient_id": patient["id"]})
    reads = [e for e in events.json()["items"] if e["method"] == "GET"]
    client: str | None = reads[-1]["client"]
    return client


async def test_x_forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy(
    app: FastAPI, settings: Settings
) -> None:
    spoofed = {"X-Forwarded-For": "203.0.113.9"}
    assert await _audited_client(app, settings, spoofed) == "10.0.0.5"


@pytest.mark.parametrize(
    ("forwarded", "recorded"),
    [
        ("203.0.113.9", "203.0.113.9"),
        ("2001:db8::1", "2001:db8::1"),
        ("x" * 300, None),  # not an address: not recorded, and the audit row is not lost
        ("203.0.113.9; DROP TABLE", None),
    ],
)
async def test_a_trusted_proxy_names_the_client_which_must_be_an_ip(
    settings: Settings, forwarded: str, recorded: str | None
) -> None:
    settings = Settings(
        database_url=settings.database_url,
        jwt_secret=settings.jwt_secret,
        trusted_proxies=["10.0.0.0/24"],
    )
    app = create_app(settings)
    try:
        headers = {"X-Forwarded-For": forwarded}
        assert await _audited_client(app, settings, headers) == recorded
    finally:
        await app.state.engine.dispose()


async def test_no_statement_or_lock_wait_runs_unbounded(app: FastAPI, settings: Settings) -> None:
    """PostgreSQL cancels long statements; SQLite (no statement timeout) bounds its lock wait."""
    async with app.state.engine.connect() as conn:
        if settings.is_sqlite:
            busy_ms = (await conn.exec_driver_sql("PRAGMA busy_timeout")).scalar_one()
            assert busy_ms == int(settings.db_timeout_seconds * 1000)
        else:
            value = (await conn.exec_driver_sql("SHOW statement_timeout")).scalar_one()
            assert value == f"{int(settings.db_statement_timeout_seconds)}s"
