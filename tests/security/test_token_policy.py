"""Token policy of version 1.1: key rotation, lifetimes, subjects, organizations, and the
configurations the service refuses to serve with. TokenVerifier is exercised directly,
against a real JWKS document served over HTTP that an identity provider rotates."""

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from app.config import Settings
from app.security import IdentityProviderUnavailable, InvalidToken, TokenVerifier

ISSUER = "https://idp.example"
AUDIENCE = "treatment-records"
REFRESH = 0.5  # seconds: the test waits for real refreshes


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _jwk(key: rsa.RSAPrivateKey, kid: str) -> dict[str, Any]:
    public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    return {**public, "kid": kid, "use": "sig", "alg": "RS256"}


class IdentityProvider:
    """A JWKS endpoint whose key set the test changes, and can take offline."""

    def __init__(self) -> None:
        self.keys: list[dict[str, Any]] = []
        self.fetches = 0
        self.down = False
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                provider.fetches += 1
                status, body = (503, b"{}") if provider.down else (200, provider.document())
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/jwks.json"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def document(self) -> bytes:
        return json.dumps({"keys": self.keys}).encode()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def idp() -> Iterator[IdentityProvider]:
    provider = IdentityProvider()
    yield provider
    provider.close()


def _claims(**over: Any) -> dict[str, Any]:
    now = int(time.time())
    base = {"sub": "engine", "scope": "records:read", "iss": ISSUER, "aud": AUDIENCE}
    return {**base, "iat": now, "exp": now + 300, **over}


def _signed(key: rsa.RSAPrivateKey, kid: str, **over: Any) -> str:
    return jwt.encode(_claims(**over), key, algorithm="RS256", headers={"kid": kid})


def _jwks_verifier(url: str, **over: Any) -> TokenVerifier:
    settings = Settings(
        jwks_url=url,
        jwt_issuer=ISSUER,
        jwt_audience=AUDIENCE,
        jwks_refresh_seconds=REFRESH,
        **over,
    )
    return TokenVerifier(settings)


@pytest.mark.slow  # a JWKS served over HTTP, and waits for its refresh
def test_a_key_removed_from_the_jwks_stops_verifying_after_the_refresh(
    idp: IdentityProvider,
) -> None:
    old, new = _key(), _key()
    idp.keys = [_jwk(old, "old"), _jwk(new, "new")]
    verifier = _jwks_verifier(idp.url)
    by_old, by_new = _signed(old, "old"), _signed(new, "new")
    assert verifier.verify(by_old).sub == "engine"
    assert verifier.verify(by_new).sub == "engine"

    idp.keys = [_jwk(new, "new")]  # the provider withdraws the old key
    time.sleep(REFRESH + 0.2)
    with pytest.raises(InvalidToken):
        verifier.verify(by_old)  # also refused although it verified (and was cached) before
    with pytest.raises(InvalidToken):
        verifier.verify(_signed(old, "old"))
    assert verifier.verify(by_new).sub == "engine"


@pytest.mark.slow
def test_a_key_added_to_the_jwks_verifies_after_the_refresh(idp: IdentityProvider) -> None:
    first, added = _key(), _key()
    idp.keys = [_jwk(first, "first")]
    verifier = _jwks_verifier(idp.url)
    assert verifier.verify(_signed(first, "first")).sub == "engine"
    idp.keys = [_jwk(first, "first"), _jwk(added, "added")]
    time.sleep(REFRESH + 0.2)
    assert verifier.verify(_signed(added, "added")).sub == "engine"


@pytest.mark.slow
def test_the_jwks_is_not_refetched_per_request(idp: IdentityProvider) -> None:
    key = _key()
    idp.keys = [_jwk(key, "k")]
    verifier = _jwks_verifier(idp.url)
    for n in range(20):
        verifier.verify(_signed(key, "k", jti=str(n)))  # 20 distinct tokens
    assert idp.fetches == 1


@pytest.mark.slow
def test_an_unreachable_identity_provider_is_unavailable_not_invalid(
    idp: IdentityProvider,
) -> None:
    key = _key()
    idp.keys = [_jwk(key, "k")]
    idp.down = True
    verifier = _jwks_verifier(idp.url)
    with pytest.raises(IdentityProviderUnavailable):
        verifier.verify(_signed(key, "k"))
    idp.down = False
    assert verifier.verify(_signed(key, "k")).sub == "engine"


def test_a_closed_port_is_unavailable_too() -> None:
    verifier = _jwks_verifier("http://127.0.0.1:9/jwks.json")
    with pytest.raises(IdentityProviderUnavailable):
        verifier.verify(_signed(_key(), "k"))


SECRET = "s" * 32


def _hs(**over: Any) -> str:
    now = int(time.time())
    claims = {"sub": "alice", "scope": "records:read", "iat": now, "exp": now + 300, **over}
    return jwt.encode(claims, SECRET, algorithm="HS256")


@pytest.mark.parametrize(
    ("lifetime", "accepted"), [(86400, True), (86401, False), (31 * 365 * 86400, False)]
)
def test_token_lifetime_is_capped(lifetime: int, accepted: bool) -> None:
    verifier = TokenVerifier(Settings(jwt_secret=SECRET))
    now = int(time.time())
    token = _hs(iat=now, exp=now + lifetime)
    if accepted:
        assert verifier.verify(token).sub == "alice"
    else:
        with pytest.raises(InvalidToken, match="lifetime"):
            verifier.verify(token)


def test_without_iat_the_remaining_lifetime_is_capped() -> None:
    verifier = TokenVerifier(Settings(jwt_secret=SECRET, jwt_max_ttl_seconds=600))
    claims = {"sub": "alice", "exp": int(time.time()) + 3600}
    with pytest.raises(InvalidToken, match="lifetime"):
        verifier.verify(jwt.encode(claims, SECRET, algorithm="HS256"))


@pytest.mark.parametrize("sub", ["al\x00ice", "al\nice", "\x7f", "tab\there"])
def test_a_subject_with_control_characters_is_refused(sub: str) -> None:
    with pytest.raises(InvalidToken, match="control"):
        TokenVerifier(Settings(jwt_secret=SECRET)).verify(_hs(sub=sub))


@pytest.mark.parametrize(
    ("claim", "expected"),
    [
        (None, None),
        (["A"], frozenset({"A"})),
        (["clinic.rome", "B-2"], frozenset({"clinic.rome", "B-2"})),
        (["*"], frozenset({"*"})),
    ],
)
def test_the_organizations_claim(claim: list[str] | None, expected: frozenset[str] | None) -> None:
    extra = {} if claim is None else {"orgs": claim}
    principal = TokenVerifier(Settings(jwt_secret=SECRET)).verify(_hs(**extra))
    assert principal.organizations == expected


@pytest.mark.parametrize("claim", ["A", [1], ["a b"], ["x" * 65], [""], [None], {"A": 1}])
def test_a_malformed_organizations_claim_is_refused(claim: object) -> None:
    with pytest.raises(InvalidToken, match="orgs"):
        TokenVerifier(Settings(jwt_secret=SECRET)).verify(_hs(orgs=claim))


def test_the_organizations_claim_name_is_a_setting() -> None:
    verifier = TokenVerifier(Settings(jwt_secret=SECRET, jwt_orgs_claim="tenant_codes"))
    assert verifier.verify(_hs(tenant_codes=["A"], orgs=["B"])).organizations == frozenset({"A"})


@pytest.mark.parametrize(
    ("settings", "complaint"),
    [
        ({"jwt_secret": "x"}, "at least 32 bytes"),
        ({"jwt_secret": "x" * 31}, "at least 32 bytes"),
        ({"jwt_public_key": "PEM"}, "TR_JWT_ISSUER and TR_JWT_AUDIENCE"),
        ({"jwks_url": "https://idp/jwks", "jwt_issuer": ISSUER}, "TR_JWT_AUDIENCE"),
        ({"jwks_url": "https://idp/jwks", "jwt_audience": AUDIENCE}, "TR_JWT_ISSUER"),
    ],
)
def test_weak_configurations_are_refused(settings: dict[str, Any], complaint: str) -> None:
    problems = Settings(**settings).serving_problems()
    assert any(complaint in p for p in problems), problems


@pytest.mark.parametrize(
    "settings",
    [
        {"jwt_secret": "x" * 32},
        {"jwks_url": "https://idp/jwks", "jwt_issuer": ISSUER, "jwt_audience": AUDIENCE},
        {"jwt_public_key": "PEM", "jwt_issuer": ISSUER, "jwt_audience": AUDIENCE},
        {},  # no key at all: serves, and refuses every token with 401
    ],
)
def test_sound_configurations_are_accepted(settings: dict[str, Any]) -> None:
    assert Settings(**settings).serving_problems() == []


@pytest.mark.parametrize("level", ["warning", "Warning", "WARNING", "debug"])
def test_log_level_in_any_case(level: str) -> None:
    assert Settings(log_level=level).log_level == level.upper()


def test_trusted_proxies_must_be_addresses_or_networks() -> None:
    assert Settings(trusted_proxies=["10.0.0.0/8", "::1"]).trusted_proxies == ["10.0.0.0/8", "::1"]
    with pytest.raises(ValueError, match=r"proxy\.example"):
        Settings(trusted_proxies=["proxy.example"])
