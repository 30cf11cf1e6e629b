"""A deployment with TR_TENANCY=on and its callers: one of organization A, one of B, a
group-wide engine (`orgs: ["*"]`), a token without the claim, and admins."""

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI

from app.config import Settings
from app.main import create_app
from tests.support.clients import ALL_SCOPES, SECRET, client_with, token
from tests.support.walk import Ids, seed


@pytest.fixture
def tenant_settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, jwt_secret=SECRET, tenancy=True)


@pytest.fixture
async def tenant_app(tenant_settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(tenant_settings)
    yield application
    await application.state.engine.dispose()


@dataclass(frozen=True, slots=True)
class Callers:
    a: httpx.AsyncClient  # every scope but admin, organization A
    b: httpx.AsyncClient  # the same, organization B
    group: httpx.AsyncClient  # the same, every organization ("*")
    no_orgs: httpx.AsyncClient  # every scope, no organizations claim
    admin_a: httpx.AsyncClient  # admin of A only
    admin_ab: httpx.AsyncClient  # admin of A and B


@pytest.fixture
async def callers(tenant_app: FastAPI, tenant_settings: Settings) -> AsyncIterator[Callers]:
    def minted(sub: str, orgs: list[str] | None, scope: str = ALL_SCOPES) -> str:
        return token(tenant_settings, scope, sub=sub, orgs=orgs)

    async with AsyncExitStack() as stack:

        async def client(bearer: str) -> httpx.AsyncClient:
            return await stack.enter_async_context(client_with(tenant_app, bearer))

        yield Callers(
            a=await client(minted("clinician-a", ["A"])),
            b=await client(minted("clinician-b", ["B"])),
            group=await client(minted("engine", ["*"])),
            no_orgs=await client(minted("stray", None, f"{ALL_SCOPES} admin")),
            admin_a=await client(minted("admin-a", ["A"], "admin")),
            admin_ab=await client(minted("admin-ab", ["A", "B"], "admin")),
        )


@dataclass(frozen=True, slots=True)
class Seeded:
    a: Ids  # one record of every kind in organization A
    b: Ids  # the same in B


@pytest.fixture
async def seeded(tenant_app: FastAPI, callers: Callers) -> Seeded:
    return Seeded(a=await seed(tenant_app, callers.a), b=await seed(tenant_app, callers.b))
