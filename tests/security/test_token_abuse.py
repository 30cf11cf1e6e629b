"""Forged, stale and malformed bearer tokens: each is a 401 problem+json with a Bearer
challenge, on every route, and never echoes the token back.

tests/api/test_auth.py covers the basic cases (none alg with a secret, expired, nbf, missing
sub/exp, RS key as HMAC secret, PEM issuer/audience, JWKS); this adds the other directions.
"""

import base64
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI

from app import security
from app.config import Settings
from app.main import create_app
from app.security import mint_token
from tests.support.clients import SECRET, client_with
from tests.support.routes import v1_operations

pytestmark = pytest.mark.anyio
ISSUER = "https://idp.example"
AUDIENCE = "treatment-records"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
PEM = (
    KEY.public_key()
    .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    .decode()
)


def _claims(**over: Any) -> dict[str, Any]:
    now = int(time.time())
    return {"sub": "mallory", "scope": "admin", "iat": now, "exp": now + 300, **over}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unsigned(header: dict[str, Any], claims: dict[str, Any], signature: str = "") -> str:
    head = _b64(json.dumps(header).encode())
    return f"{head}.{_b64(json.dumps(claims).encode())}.{signature}"


def _hs(claims: dict[str, Any], alg: str = "HS256", secret: str = SECRET) -> str:
    """Signed by hand: PyJWT refuses some of these claims and warns about short HS512 keys."""
    digest = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}[alg]
    unsigned = _unsigned({"alg": alg, "typ": "JWT"}, claims)
    mac = hmac.new(secret.encode(), unsigned.rstrip(".").encode(), digest).digest()
    return unsigned + _b64(mac)


async def _refused(app: FastAPI, authorization: str, path: str = "/v1/patients") -> None:
    async with client_with(app, None) as c:
        response = await c.get(path, headers={"Authorization": authorization})
    assert response.status_code == 401, (authorization[:80], response.text)
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"].startswith("Bearer")
    body = response.json()
    assert body["status"] == 401
    token = authorization.partition(" ")[2].strip()
    assert len(token) < 8 or token not in response.text  # the token is never echoed


async def _accepted(app: FastAPI, token: str) -> None:
    async with client_with(app, token) as c:
        assert (await c.get("/v1/patients")).status_code == 200


@pytest.fixture
async def strict_app(settings: Settings) -> AsyncIterator[FastAPI]:
    """HS256 with a required issuer and audience."""
    settings = Settings(
        database_url=settings.database_url,
        jwt_secret=SECRET,
        jwt_issuer=ISSUER,
        jwt_audience=AUDIENCE,
    )
    app = create_app(settings)
    yield app
    await app.state.engine.dispose()


@pytest.fixture
async def pem_app(settings: Settings) -> AsyncIterator[FastAPI]:
    pem = Settings(
        database_url=settings.database_url,
        jwt_public_key=PEM,
        jwt_issuer=ISSUER,
        jwt_audience=AUDIENCE,
    )
    app = create_app(pem)
    yield app
    await app.state.engine.dispose()


ALG_NONE = [
    _unsigned({"alg": "none", "typ": "JWT"}, _claims()),
    _unsigned({"alg": "None"}, _claims()),
    _unsigned({"alg": "NONE"}, _claims()),
    _unsigned({"alg": "none"}, _claims(), signature="AAAA"),
]


@pytest.mark.parametrize("token", ALG_NONE)
async def test_alg_none_spellings_are_refused(app: FastAPI, pem_app: FastAPI, token: str) -> None:
    await _refused(app, f"Bearer {token}")
    await _refused(pem_app, f"Bearer {token}")


@pytest.mark.parametrize("alg", ["HS384", "HS512"])
async def test_only_the_pinned_hmac_algorithm_is_accepted(app: FastAPI, alg: str) -> None:
    await _accepted(app, _hs(_claims()))
    await _refused(app, f"Bearer {_hs(_claims(), alg)}")  # right secret, other algorithm


async def test_an_rsa_signed_token_does_not_pass_a_secret_configured_server(app: FastAPI) -> None:
    await _refused(app, f"Bearer {jwt.encode(_claims(), KEY, algorithm='RS256')}")


async def test_public_key_server_refuses_hmac_and_unknown_algorithms(pem_app: FastAPI) -> None:
    claims = _claims(iss=ISSUER, aud=AUDIENCE)
    await _accepted(pem_app, jwt.encode(claims, KEY, algorithm="RS256"))
    await _refused(pem_app, f"Bearer {_hs(claims)}")  # the suite's secret means nothing here
    forged = jwt.encode(claims, KEY, algorithm="RS256").split(".")
    relabelled = _b64(json.dumps({"alg": "PS256", "typ": "JWT"}).encode())
    await _refused(pem_app, f"Bearer {relabelled}.{forged[1]}.{forged[2]}")


@pytest.mark.parametrize(
    "claims",
    [
        _claims(exp=int(time.time()) - 3600),
        _claims(exp=int(time.time()) - 31),  # just past the 30 s leeway
        _claims(exp="tomorrow"),
        _claims(nbf=int(time.time()) + 3600),
        _claims(nbf="now"),
        _claims(iat="yesterday"),
        _claims(sub=None),
        _claims(sub=42),
        _claims(sub="   "),
    ],
)
async def test_stale_or_ill_formed_claims_are_refused(
    app: FastAPI, pem_app: FastAPI, claims: dict[str, Any]
) -> None:
    await _refused(app, f"Bearer {_hs(claims)}")
    await _refused(pem_app, f"Bearer {jwt.encode(claims, KEY, algorithm='RS256')}")


@pytest.mark.parametrize(
    "claims",
    [
        _claims(),  # neither
        _claims(iss=ISSUER),  # no aud
        _claims(aud=AUDIENCE),  # no iss
        _claims(iss="https://evil.example", aud=AUDIENCE),
        _claims(iss=ISSUER, aud="another-service"),
        _claims(iss=ISSUER, aud=["another-service"]),
        _claims(iss=[ISSUER], aud=AUDIENCE),
    ],
)
async def test_issuer_and_audience_are_required_when_configured(
    strict_app: FastAPI, claims: dict[str, Any]
) -> None:
    await _accepted(strict_app, mint_token(strict_app.state.settings, "alice", "admin"))
    await _accepted(strict_app, _hs(_claims(iss=ISSUER, aud=["x", AUDIENCE])))
    await _refused(strict_app, f"Bearer {_hs(claims)}")


MALFORMED = [
    "Bearer",
    "Bearer ",
    "Bearer    ",
    "Bearer a",
    "Bearer a.b",
    "Bearer a.b.c.d",
    "Bearer ...",
    "Bearer %%%.%%%.%%%",
    f"Bearer {_b64(b'not json')}.{_b64(b'{}')}.",
    f"Bearer {_b64(b'[1,2]')}.{_b64(json.dumps(_claims()).encode())}.x",
    f"Bearer {_b64(json.dumps({'alg': 'HS256'}).encode())}.{_b64(b'[]')}.x",
    "Token " + jwt.encode(_claims(), SECRET, algorithm="HS256"),
    "Bearer" + jwt.encode(_claims(), SECRET, algorithm="HS256"),
]


@pytest.mark.parametrize("authorization", MALFORMED)
async def test_malformed_authorization_headers_are_refused(
    app: FastAPI, authorization: str
) -> None:
    await _refused(app, authorization)


async def test_a_validly_signed_but_oversized_token_is_refused(app: FastAPI) -> None:
    padded = _hs(_claims(pad="p" * 9000))  # a real, correctly signed token of ~12 kB
    assert len(padded) > security.MAX_TOKEN_BYTES
    await _refused(app, f"Bearer {padded}")
    await _accepted(app, _hs(_claims(pad="p" * 100)))


async def test_non_ascii_header_bytes_are_refused(app: FastAPI) -> None:
    async with client_with(app, None) as c:
        response = await c.get("/v1/patients", headers={b"Authorization": b"Bearer \xff\xfe.x.y"})
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


async def test_every_v1_route_refuses_a_forged_token(app: FastAPI) -> None:
    """No route verifies tokens its own way: an unsigned admin token opens none of them."""
    forged = f"Bearer {ALG_NONE[0]}"
    async with client_with(app, None) as c:
        for method, path in v1_operations(app):
            response = await c.request(method, path, json={}, headers={"Authorization": forged})
            assert response.status_code == 401, (method, path, response.status_code)


async def test_a_refusal_does_not_say_which_check_failed_beyond_a_reason(app: FastAPI) -> None:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as c:
        response = await c.get(
            "/v1/patients", headers={"Authorization": f"Bearer {_hs(_claims(), secret='x' * 40)}"}
        )
    assert response.status_code == 401
    assert SECRET not in response.text
    assert "Traceback" not in response.text
