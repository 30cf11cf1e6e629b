"""A caller of one organization sends the statements a group-wide caller sends: the scope is
criteria in the statements, never a statement of its own (architecture.md, "Hot paths";
tests/api/test_round_trips.py counts them for one caller)."""

import httpx
import pytest
from fastapi import FastAPI

from tests.support import factories as f
from tests.support.statements import sent_statements
from tests.tenancy.conftest import Callers

pytestmark = pytest.mark.anyio


async def _lab_post(app: FastAPI, client: httpx.AsyncClient, pid: str) -> list[str]:
    body = f.lab_body(collected_at="2026-03-01T08:00:00Z")
    with sent_statements(app.state.engine) as statements:
        response = await client.post(f"/v1/patients/{pid}/lab-results", json=body)
    assert response.status_code == 201, response.text
    return statements


async def test_a_write_of_one_organizations_caller_sends_no_more_statements(
    tenant_app: FastAPI, callers: Callers
) -> None:
    pid = (await f.patient(callers.a))["id"]
    await f.regimen(callers.a, pid)
    await _lab_post(tenant_app, callers.a, pid)  # the first stores flags from scratch
    scoped = await _lab_post(tenant_app, callers.a, pid)
    everywhere = await _lab_post(tenant_app, callers.group, pid)
    assert len(scoped) == len(everywhere), scoped
