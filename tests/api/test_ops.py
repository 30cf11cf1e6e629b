import httpx
import pytest
from fastapi import FastAPI

from app.config import Settings
from app.main import create_app
from tests.support.clients import client_with

pytestmark = pytest.mark.anyio


async def test_healthz_and_readyz(anon: httpx.AsyncClient) -> None:
    assert (await anon.get("/healthz")).json() == {"status": "ok"}
    ready = await anon.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["status"] == "ready"
    assert ready.json()["schema"] == ready.json()["expected_schema"] is not None


async def test_readyz_is_503_when_the_database_is_unreachable() -> None:
    settings = Settings(database_url="postgresql://nobody@127.0.0.1:1/none", db_timeout_seconds=1)
    app = create_app(settings)
    async with client_with(app, None) as c:
        response = await c.get("/readyz")
        assert (await c.get("/healthz")).status_code == 200
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"


async def test_readyz_is_503_when_the_schema_is_behind(tmp_path: object) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path}/empty.db")
    app = create_app(settings)
    async with client_with(app, None) as c:
        response = await c.get("/readyz")
    await app.state.engine.dispose()
    assert response.status_code == 503
    assert response.json()["status"] == "schema_behind"


async def test_metrics_count_requests_by_route_template(client: httpx.AsyncClient) -> None:
    await client.get("/v1/patients/00000000-0000-4000-8000-000000000000")
    text = (await client.get("/metrics")).text
    assert 'route="/v1/patients/{record_id}"' in text
    assert "tr_http_request_duration_seconds_bucket" in text
    assert "00000000-0000-4000-8000-000000000000" not in text


async def test_request_id_is_honoured_or_generated(client: httpx.AsyncClient) -> None:
    echoed = await client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert echoed.headers["x-request-id"] == "abc-123"
    generated = await client.get("/healthz", headers={"X-Request-ID": "bad id\twith spaces"})
    assert len(generated.headers["x-request-id"]) == 32


async def test_unknown_route_and_method_are_problems(app: FastAPI) -> None:
    async with client_with(app, None) as c:
        missing = await c.get("/nowhere")
        wrong = await c.put("/healthz")
    assert (missing.status_code, wrong.status_code) == (404, 405)
    assert missing.headers["content-type"] == "application/problem+json"
