"""Tokens and in-process HTTP clients for the tests."""

import uuid
from pathlib import Path

import httpx
from fastapi import FastAPI

from app.config import Settings
from app.security import mint_token

ROOT = Path(__file__).resolve().parents[2]
SECRET = "test-secret-" + "x" * 40
ALL_SCOPES = "records:read records:write labs:write audit:read"


def token(
    settings: Settings,
    scope: str = ALL_SCOPES,
    sub: str = "tester",
    orgs: list[str] | None = None,
) -> str:
    """`orgs`: the organizations claim (None: a token without it)."""
    return mint_token(settings, sub, scope, organizations=orgs)


def client_with(app: FastAPI, bearer: str | None) -> httpx.AsyncClient:
    """A client of the app in this process (no server), with this bearer token if any."""
    headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test", headers=headers
    )


def unique_mrn() -> str:
    return f"T-{uuid.uuid4().hex[:12]}"
