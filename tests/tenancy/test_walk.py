"""Every /v1 operation of the OpenAPI document, walked by callers of two organizations, a
group-wide engine and a token without organizations (TR_TENANCY=on)."""

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.support.statements import sent_statements
from tests.support.walk import Ids, Operation, body, fill, operations
from tests.tenancy.conftest import Callers, Seeded

pytestmark = pytest.mark.anyio


async def _call(
    app: FastAPI, client: httpx.AsyncClient, op: Operation, ids: Ids | None
) -> httpx.Response:
    return await client.request(op.method, fill(op.template, ids), json=body(app, op))


async def _views(app: FastAPI, client: httpx.AsyncClient, ids: Ids) -> dict[str, Any]:
    """What `client` reads through every GET operation about the records `ids` names."""
    seen: dict[str, Any] = {}
    for op in operations(app):
        if op.method == "GET" and op.has_ids:
            response = await _call(app, client, op, ids)
            json = "json" in response.headers.get("content-type", "")  # a chart is an SVG
            seen[str(op)] = (response.status_code, response.json() if json else response.text)
    return seen


@pytest.mark.parametrize(("viewer", "owner"), [("b", "a"), ("a", "b")])
async def test_another_organizations_records_are_missing_to_every_operation(
    tenant_app: FastAPI, callers: Callers, seeded: Seeded, viewer: str, owner: str
) -> None:
    """404 with the body of a missing record, by the same statements, and nothing changes."""
    client, owners = getattr(callers, viewer), getattr(callers, owner)
    ids = getattr(seeded, owner)
    before = await _views(tenant_app, owners, ids)
    walked = [op for op in operations(tenant_app) if op.has_ids]
    for op in walked:
        with sent_statements(tenant_app.state.engine) as for_missing:
            missing = await _call(tenant_app, client, op, None)
        with sent_statements(tenant_app.state.engine) as for_foreign:
            foreign = await _call(tenant_app, client, op, ids)
        assert foreign.status_code == 404, (str(op), foreign.text)
        assert foreign.json() == missing.json(), str(op)
        assert for_foreign == for_missing, str(op)
    assert await _views(tenant_app, owners, ids) == before
    assert {op.method for op in walked} >= {"GET", "POST", "PATCH", "DELETE"}


async def test_owners_and_the_group_see_every_record(
    tenant_app: FastAPI, callers: Callers, seeded: Seeded
) -> None:
    for owner, ids in ((callers.a, seeded.a), (callers.b, seeded.b)):
        own = await _views(tenant_app, owner, ids)
        assert {status for status, _ in own.values()} == {200}, own
        assert await _views(tenant_app, callers.group, ids) == own


async def test_a_token_without_organizations_is_refused_everywhere(
    tenant_app: FastAPI, callers: Callers, seeded: Seeded
) -> None:
    for op in operations(tenant_app):
        response = await _call(tenant_app, callers.no_orgs, op, seeded.a if op.has_ids else None)
        assert response.status_code == 403, (str(op), response.text)
        assert "insufficient_scope" in response.headers["www-authenticate"]


async def test_owners_write_to_their_records_with_the_walks_bodies(
    tenant_app: FastAPI, callers: Callers, seeded: Seeded
) -> None:
    """The walk's requests are valid ones: the 404s above are the organization's doing."""
    writes = [op for op in operations(tenant_app) if op.writes and op.has_ids]
    for op in sorted(writes, key=lambda op: op.method == "DELETE"):  # DELETE last
        response = await _call(tenant_app, callers.a, op, seeded.a)
        assert response.status_code in (200, 201), (str(op), response.text)
