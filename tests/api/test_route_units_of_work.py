"""A request's unit of work is opened by its dependency and ended by its route
(deps.UnitOfWorkRoute): committed before the answer is sent, rolled back and audited when the
endpoint fails, and never opened by a route that would not end it."""

from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts

from app.api.deps import ReadUoW, UnitOfWorkRoute
from app.errors import Unavailable
from app.services.uow import UnitOfWork
from tests.support import factories as f

pytestmark = pytest.mark.anyio


async def test_every_route_of_the_app_ends_the_units_of_work_it_opens(app: FastAPI) -> None:
    routes = [c.original_route for c in iter_route_contexts(app.routes)]
    api = [route for route in routes if isinstance(route, APIRoute)]
    assert len(api) > 50  # the included routers' routes, not only the app's own
    plain = [r.path for r in api if not isinstance(r, UnitOfWorkRoute)]
    assert plain == ["/docs", "/redoc"]  # the docs pages: no unit of work to end


async def test_a_route_that_would_not_end_it_does_not_open_one(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    ran: list[UnitOfWork] = []

    async def endpoint(uow: ReadUoW) -> dict[str, str]:
        ran.append(uow)
        return {}

    app.router.routes.insert(0, APIRoute("/v1/plain", endpoint))
    answer = await client.get("/v1/plain")
    assert answer.status_code == 500
    assert ran == []


async def test_the_commit_comes_before_the_answer_and_its_failure_is_the_answer(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def failing(self: UnitOfWork) -> Any:
        raise Unavailable("the database is busy; retry shortly")

    monkeypatch.setattr(UnitOfWork, "commit", failing)
    answer = await client.post("/v1/patients", json=f.patient_body(mrn="UOW-1"))
    assert answer.status_code == 503
    monkeypatch.undo()
    found = await client.get("/v1/patients", params={"mrn": "UOW-1"})
    assert found.json()["items"] == []


async def test_a_failed_endpoint_is_rolled_back_and_audited_with_its_answer(
    client: httpx.AsyncClient,
) -> None:
    pid = (await f.patient(client))["id"]
    # A unit the service cannot convert: refused after the unit of work was opened.
    answer = await client.post(f"/v1/patients/{pid}/lab-results", json=f.lab_body(unit="bad"))
    assert answer.status_code == 422
    events = (await client.get("/v1/audit-events", params={"patient_id": pid})).json()["items"]
    assert [(e["method"], e["status"]) for e in events][-1] == ("POST", 422)
    labs = (await client.get(f"/v1/patients/{pid}/lab-results")).json()["items"]
    assert labs == []
