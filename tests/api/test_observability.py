import json
import logging

import httpx
import pytest
from fastapi import FastAPI

from app.config import Settings
from app.logs import JsonFormatter
from app.main import create_app
from tests.support import factories as f
from tests.support.clients import client_with

pytestmark = pytest.mark.anyio


async def test_metrics_cover_pool_rules_and_flags(client: httpx.AsyncClient) -> None:
    patient = await f.patient(client)
    await client.get(f"/v1/patients/{patient['id']}/status")
    text = (await client.get("/metrics")).text
    assert "tr_db_pool_checked_out" in text
    assert 'tr_rules_evaluation_seconds_count{kind="status"}' in text
    assert 'tr_patient_flags{flag="remission",status="insufficient_data"}' in text
    assert (
        'tr_http_requests_total{method="GET",route="/v1/patients/{patient_id}/status",'
        'status="200"}' in text
    )


async def test_one_json_log_line_per_request_without_patient_data(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="app.access")
    patient = await f.patient(client, given_name="Hildegard")
    await client.get(f"/v1/patients/{patient['id']}", headers={"X-Request-ID": "req-42"})
    lines = [
        json.loads(JsonFormatter().format(r)) for r in caplog.records if r.name == "app.access"
    ]
    last = lines[-1]
    assert {k: last[k] for k in ("method", "route", "status", "request_id")} == {
        "method": "GET",
        "route": "/v1/patients/{record_id}",
        "status": 200,
        "request_id": "req-42",
    }
    assert isinstance(last["duration_ms"], float)
    logged = "\n".join(JsonFormatter().format(r) for r in caplog.records)
    assert patient["id"] not in logged
    assert "Hildegard" not in logged
    assert patient["mrn"] not in logged


async def test_cors_is_off_by_default_and_configurable(app: FastAPI, settings: Settings) -> None:
    preflight = {"Origin": "https://clinic.example", "Access-Control-Request-Method": "GET"}
    async with client_with(app, None) as c:
        response = await c.options("/v1/patients", headers=preflight)
    assert "access-control-allow-origin" not in response.headers
    allowed = create_app(settings.model_copy(update={"cors_origins": ["https://clinic.example"]}))
    async with client_with(allowed, None) as c:
        response = await c.options("/v1/patients", headers=preflight)
        other = await c.options("/v1/patients", headers={**preflight, "Origin": "https://x.org"})
    await allowed.state.engine.dispose()
    assert response.headers["access-control-allow-origin"] == "https://clinic.example"
    assert "access-control-allow-origin" not in other.headers


async def test_docs_are_served_without_a_cdn(anon: httpx.AsyncClient) -> None:
    for page in ("/docs", "/redoc"):
        html = (await anon.get(page)).text
        assert "cdn." not in html, page
        assert "googleapis" not in html, page
        assert "/docs/assets/" in html
    script = await anon.get("/docs/assets/swagger-ui-bundle.js")
    assert script.status_code == 200
    assert len(script.content) > 100_000
