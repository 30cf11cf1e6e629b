"""What a refused caller is told (RFC 6750), an identity provider outage, and the
configurations the service refuses to start with."""

import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI

from app.__main__ import main as cli
from app.config import Settings
from app.main import WeakConfiguration, create_app
from app.security import mint_token
from tests.support.clients import SECRET, client_with

pytestmark = pytest.mark.anyio


async def test_no_token_gets_a_bare_bearer_challenge(app: FastAPI) -> None:
    async with client_with(app, None) as c:
        response = await c.get("/v1/patients")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="treatment-records"'


async def test_a_bad_token_is_an_invalid_token_challenge(app: FastAPI) -> None:
    async with client_with(app, "not.a.token") as c:
        response = await c.get("/v1/patients")
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


async def test_a_missing_scope_names_the_scope_needed(app: FastAPI, settings: Settings) -> None:
    async with client_with(app, mint_token(settings, "lab", "labs:write")) as c:
        response = await c.get("/v1/patients")
    assert response.status_code == 403
    challenge = response.headers["www-authenticate"]
    assert 'error="insufficient_scope"' in challenge
    assert 'scope="records:read"' in challenge


async def test_an_unreachable_identity_provider_is_503_with_retry_after(
    settings: Settings,
) -> None:
    settings = Settings(
        database_url=settings.database_url,
        jwks_url="http://127.0.0.1:9/jwks.json",  # nothing listens on the discard port
        jwt_issuer="https://idp.example",
        jwt_audience="treatment-records",
    )
    app = create_app(settings)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = int(time.time())
    claims: dict[str, Any] = {"sub": "engine", "iat": now, "exp": now + 60}
    token = jwt.encode(claims, key, algorithm="RS256", headers={"kid": "k"})
    try:
        async with client_with(app, token) as c:
            response = await c.get("/v1/patients")
    finally:
        await app.state.engine.dispose()
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert int(response.headers["retry-after"]) > 0


@pytest.mark.parametrize(
    "weak",
    [
        {"jwt_secret": "short"},
        {"jwt_public_key": "PEM", "jwt_issuer": "https://idp.example"},
        {"jwks_url": "https://idp.example/jwks", "jwt_audience": "treatment-records"},
    ],
)
async def test_the_app_refuses_to_start_with_a_weak_configuration(
    settings: Settings, weak: dict[str, Any]
) -> None:
    app = create_app(Settings(database_url=settings.database_url, **weak))
    try:
        with pytest.raises(WeakConfiguration):
            async with app.router.lifespan_context(app):
                pass  # pragma: no cover - never reached
    finally:
        await app.state.engine.dispose()


def test_serve_refuses_a_weak_secret(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TR_JWT_SECRET", "too-short")
    assert cli(["serve"]) == 2
    assert "at least 32 bytes" in capsys.readouterr().err


def test_token_carries_the_organizations_asked_for(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TR_JWT_SECRET", SECRET)
    assert cli(["token", "--sub", "engine", "--org", "A", "--org", "B"]) == 0
    claims = jwt.decode(capsys.readouterr().out.strip(), SECRET, algorithms=["HS256"])
    assert claims["orgs"] == ["A", "B"]
    assert cli(["token", "--sub", "engine"]) == 0
    assert "orgs" not in jwt.decode(capsys.readouterr().out.strip(), SECRET, algorithms=["HS256"])
