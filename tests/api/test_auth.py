import base64
import functools
import hashlib
import hmac
import json
import threading
import time
from collections.abc import AsyncIterator, Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI

from app.config import Settings
from app.main import create_app
from tests.support.clients import SECRET, client_with
from tests.support.routes import v1_operations

pytestmark = pytest.mark.anyio


def _claims(**over: Any) -> dict[str, Any]:
    now = int(time.time())
    return {"sub": "someone", "scope": "records:read", "iat": now, "exp": now + 300, **over}


def _rsa() -> tuple[rsa.RSAPrivateKey, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return key, pem.decode()


def _hs256_signed_with(secret: bytes, claims: dict[str, Any]) -> str:
    """An HS256 token built by hand: PyJWT itself refuses a PEM key as an HMAC secret."""

    def b64(data: bytes) -> bytes:
        return base64.urlsafe_b64encode(data).rstrip(b"=")

    head = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = b64(json.dumps(claims).encode())
    signature = b64(hmac.new(secret, head + b"." + body, hashlib.sha256).digest())
    return (head + b"." + body + b"." + signature).decode()


async def _status(app: FastAPI, token: str | None, path: str = "/v1/patients") -> int:
    async with client_with(app, token) as c:
        response = await c.get(path)
        if response.status_code >= 400:
            assert response.headers["content-type"] == "application/problem+json"
        return response.status_code


@pytest.mark.parametrize(
    ("token", "status"),
    [
        (None, 401),
        ("not.a.jwt", 401),
        (jwt.encode(_claims(), SECRET, algorithm="HS256"), 200),
        (jwt.encode(_claims(), "another-secret-" + "y" * 40, algorithm="HS256"), 401),
        (jwt.encode(_claims(exp=int(time.time()) - 120), SECRET, algorithm="HS256"), 401),
        (jwt.encode(_claims(nbf=int(time.time()) + 600), SECRET, algorithm="HS256"), 401),
        (jwt.encode({k: v for k, v in _claims().items() if k != "sub"}, SECRET), 401),
        (jwt.encode({k: v for k, v in _claims().items() if k != "exp"}, SECRET), 401),
        (jwt.encode(_claims(sub=""), SECRET, algorithm="HS256"), 401),
        (jwt.encode(_claims(), "", algorithm="none"), 401),
        (jwt.encode(_claims(scope="labs:write"), SECRET, algorithm="HS256"), 403),
        (jwt.encode(_claims(scope="admin"), SECRET, algorithm="HS256"), 200),
        (jwt.encode(_claims(scope=["records:read"]), SECRET, algorithm="HS256"), 200),
        ("x" * 9000, 401),
    ],
)
async def test_hs256_tokens(app: FastAPI, token: str | None, status: int) -> None:
    assert await _status(app, token) == status


async def test_basic_auth_scheme_is_401(app: FastAPI) -> None:
    async with client_with(app, None) as c:
        response = await c.get("/v1/patients", headers={"Authorization": "Basic dTpw"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")


@pytest.fixture
async def pem_app(settings: Settings) -> AsyncIterator[tuple[FastAPI, rsa.RSAPrivateKey]]:
    key, pem = _rsa()
    settings = Settings(
        database_url=settings.database_url,
        jwt_public_key=pem,
        jwt_issuer="https://idp.example",
        jwt_audience="treatment-records",
    )
    app = create_app(settings)
    yield app, key
    await app.state.engine.dispose()


async def test_public_key_tokens_with_issuer_and_audience(
    pem_app: tuple[FastAPI, rsa.RSAPrivateKey],
) -> None:
    app, key = pem_app
    good = _claims(iss="https://idp.example", aud="treatment-records")
    assert await _status(app, jwt.encode(good, key, algorithm="RS256")) == 200
    assert await _status(app, jwt.encode({**good, "aud": "other"}, key, algorithm="RS256")) == 401
    assert await _status(app, jwt.encode({**good, "iss": "evil"}, key, algorithm="RS256")) == 401
    other_key, _ = _rsa()
    assert await _status(app, jwt.encode(good, other_key, algorithm="RS256")) == 401
    # Algorithm confusion: the public key used as an HMAC secret must not verify.
    pem = app.state.settings.jwt_public_key.encode()
    token = _hs256_signed_with(pem, good)
    assert await _status(app, token) == 401


@pytest.fixture
def jwks_server(tmp_path: Path) -> Iterator[tuple[str, rsa.RSAPrivateKey]]:
    """An identity provider's key document served over HTTP on loopback."""
    key, _ = _rsa()
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    (tmp_path / "jwks.json").write_text(json.dumps({"keys": [{**jwk, "kid": "k1", "use": "sig"}]}))
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/jwks.json", key
    server.shutdown()
    server.server_close()


@pytest.mark.slow  # serves the key document over HTTP
async def test_jwks_tokens(settings: Settings, jwks_server: tuple[str, rsa.RSAPrivateKey]) -> None:
    url, key = jwks_server
    idp: dict[str, Any] = {"jwt_issuer": "https://idp.example", "jwt_audience": "treatment-records"}
    app = create_app(Settings(database_url=settings.database_url, jwks_url=url, **idp))
    claims = _claims(iss=idp["jwt_issuer"], aud=idp["jwt_audience"])
    try:
        good = jwt.encode(claims, key, algorithm="RS256", headers={"kid": "k1"})
        assert await _status(app, good) == 200
        unknown_kid = jwt.encode(claims, key, algorithm="RS256", headers={"kid": "k2"})
        assert await _status(app, unknown_kid) == 401
        # Without issuer and audience the server would accept tokens minted for others.
        for missing in idp:
            loose = Settings(
                database_url=settings.database_url,
                jwks_url=url,
                **{k: v for k, v in idp.items() if k != missing},
            )
            loose_app = create_app(loose)
            try:
                assert await _status(loose_app, good) == 401
            finally:
                await loose_app.state.engine.dispose()
    finally:
        await app.state.engine.dispose()


async def test_no_key_configured_refuses_every_token(settings: Settings) -> None:
    app = create_app(Settings(database_url=settings.database_url))
    try:
        assert await _status(app, jwt.encode(_claims(), SECRET, algorithm="HS256")) == 401
    finally:
        await app.state.engine.dispose()


async def test_every_v1_route_needs_a_token(app: FastAPI) -> None:
    async with client_with(app, None) as c:
        for method, path in v1_operations(app):
            response = await c.request(method, path, json={})
            assert response.status_code == 401, (method, path, response.status_code)
