"""JWT verification (HS256 secret, PEM public key or JWKS) and development token minting."""

import re
import time
from dataclasses import dataclass
from typing import Any

import jwt
from jwt import PyJWKClient

from app.config import ORGANIZATION_PATTERN, Settings

ASYMMETRIC = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA"]
SCOPES = ("records:read", "records:write", "labs:write", "audit:read", "admin")
MAX_TOKEN_BYTES = 8192
MAX_SUBJECT_LENGTH = 200  # the audit trail keeps up to this many characters
VERIFIED_CACHE_SIZE = 4096
JWKS_FETCH_TIMEOUT_SECONDS = 5.0
ALL_ORGANIZATIONS = "*"
_ORGANIZATION = re.compile(ORGANIZATION_PATTERN)


class InvalidToken(Exception):
    """Any reason a bearer token is not accepted; the message is safe to show the caller."""


class IdentityProviderUnavailable(Exception):
    """The identity provider's keys cannot be fetched: the token can be judged later (503)."""


@dataclass(frozen=True, slots=True)
class Principal:
    sub: str
    scopes: frozenset[str]
    # The token's organizations claim: None when absent, {"*"} for a group-wide caller.
    organizations: frozenset[str] | None = None

    def has_any(self, *wanted: str) -> bool:
        return "admin" in self.scopes or any(s in self.scopes for s in wanted)


class TokenVerifier:
    """Verifies with the one key source configured; algorithms are pinned to that source."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        # The key set is re-read every TR_JWKS_REFRESH_SECONDS and keys are never cached on
        # their own, so a key the provider drops stops verifying at the next refresh; an
        # unknown kid forces at most one re-read per cooldown (no refetch storm).
        self._jwks = (
            PyJWKClient(
                settings.jwks_url,
                cache_keys=False,
                lifespan=settings.jwks_refresh_seconds,
                timeout=JWKS_FETCH_TIMEOUT_SECONDS,
            )
            if settings.jwks_url
            else None
        )
        self._verified: dict[str, tuple[Principal, float]] = {}

    @property
    def configured(self) -> bool:
        s = self._settings
        return bool(s.jwt_secret or s.jwt_public_key or s.jwks_url)

    def verify(self, token: str) -> Principal:
        """The caller a token names; a token verified before is answered from a small cache
        until its `exp` (a signature check per request is a large share of a fast read)."""
        if len(token) > MAX_TOKEN_BYTES:
            raise InvalidToken("token too large")
        cached = self._verified.get(token)
        if cached is not None and cached[1] > time.time():
            return cached[0]
        principal, expires = self._verify(token)
        if self._jwks is not None:
            # Judged again after the next key refresh: its key may have been withdrawn.
            expires = min(expires, time.time() + self._settings.jwks_refresh_seconds)
        if len(self._verified) >= VERIFIED_CACHE_SIZE:
            self._verified.clear()
        self._verified[token] = (principal, expires)
        return principal

    def _verify(self, token: str) -> tuple[Principal, float]:
        key, algorithms = self._key_for(token)
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=algorithms,
                audience=self._settings.jwt_audience,
                issuer=self._settings.jwt_issuer,
                options={
                    "require": ["exp", "sub"],
                    "verify_aud": bool(self._settings.jwt_audience),
                },
                leeway=30,
            )
        except jwt.ExpiredSignatureError as exc:
            raise InvalidToken("token expired") from exc
        except jwt.PyJWTError as exc:
            raise InvalidToken(f"invalid token: {type(exc).__name__}") from exc
        self._check_lifetime(claims)
        return _principal(claims, self._settings.jwt_orgs_claim), float(claims["exp"])

    def _check_lifetime(self, claims: dict[str, Any]) -> None:
        """A token valid for longer than TR_JWT_MAX_TTL_SECONDS is refused (a leaked
        long-lived token is a standing key to patient data)."""
        issued = claims.get("iat")
        start = issued if isinstance(issued, int | float) else time.time()
        if float(claims["exp"]) - float(start) > self._settings.jwt_max_ttl_seconds:
            raise InvalidToken("token lifetime exceeds the maximum this server accepts")

    def _key_for(self, token: str) -> tuple[Any, list[str]]:
        s = self._settings
        if s.jwt_secret:
            return s.jwt_secret, ["HS256"]
        if not (s.jwt_issuer and s.jwt_audience):
            # Refused at start-up too; here as well, so no path accepts a token the provider
            # minted for another application.
            raise InvalidToken("token verification is not configured on this server")
        if s.jwt_public_key:
            return s.jwt_public_key, ASYMMETRIC
        if self._jwks is not None:
            try:
                return self._jwks.get_signing_key_from_jwt(token).key, ASYMMETRIC
            except jwt.PyJWKClientConnectionError as exc:
                raise IdentityProviderUnavailable("the identity provider is unreachable") from exc
            except jwt.PyJWTError as exc:
                raise InvalidToken(f"no usable signing key: {type(exc).__name__}") from exc
        raise InvalidToken("token verification is not configured on this server")


# SMART v2 system scopes (and their v1 spellings) that a hospital's identity provider
# issues, accepted as aliases of ours (interop.md, shared rules of the FHIR and HL7 faces).
SMART_ALIASES = {
    "system/*.rs": "records:read",
    "system/*.read": "records:read",
    "system/Observation.c": "labs:write",
    "system/Observation.write": "labs:write",
    "system/*.cud": "records:write",
    "system/*.write": "records:write",
}


def with_aliases(scopes: list[str]) -> frozenset[str]:
    """The token's scopes plus ours that its SMART scopes stand for."""
    return frozenset(scopes) | {SMART_ALIASES[s] for s in scopes if s in SMART_ALIASES}


def _principal(claims: dict[str, Any], orgs_claim: str) -> Principal:
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub.strip() or len(sub) > MAX_SUBJECT_LENGTH:
        raise InvalidToken("token has no usable subject")
    if not sub.isprintable():  # the audit trail stores it: no control characters, no NUL
        raise InvalidToken("token subject contains control characters")
    raw = claims.get("scope", claims.get("scp", ""))
    if isinstance(raw, str):
        scopes = raw.split()
    elif isinstance(raw, list) and all(isinstance(s, str) for s in raw):
        scopes = raw
    else:
        raise InvalidToken("token scope must be a string or a list of strings")
    return Principal(
        sub=sub, scopes=with_aliases(scopes), organizations=_organizations(claims, orgs_claim)
    )


def _organizations(claims: dict[str, Any], name: str) -> frozenset[str] | None:
    raw = claims.get(name)
    if raw is None:
        return None
    valid = isinstance(raw, list) and all(
        isinstance(code, str) and (code == ALL_ORGANIZATIONS or _ORGANIZATION.match(code))
        for code in raw
    )
    if not valid:
        raise InvalidToken(f"token claim {name!r} must be a list of organization codes")
    return frozenset(raw)


def unverified_subject(token: str) -> str | None:
    """The `sub` a refused token claims, for the audit row of its refusal and nothing else:
    no signature, issuer or lifetime behind it is checked, so it never authorises anything."""
    if len(token) > MAX_TOKEN_BYTES:
        return None
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return None
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub.strip() or len(sub) > MAX_SUBJECT_LENGTH:
        return None
    return sub if sub.isprintable() else None


def mint_token(
    settings: Settings,
    sub: str,
    scope: str,
    ttl_seconds: int = 3600,
    organizations: list[str] | None = None,
) -> str:
    """A token signed with the configured HS256 secret: for development and tests."""
    if not settings.jwt_secret:
        raise ValueError("TR_JWT_SECRET is not set: cannot sign a token")
    now = int(time.time())
    claims: dict[str, Any] = {"sub": sub, "scope": scope, "iat": now, "nbf": now}
    claims["exp"] = now + ttl_seconds
    if organizations is not None:
        claims[settings.jwt_orgs_claim] = organizations
    if settings.jwt_issuer:
        claims["iss"] = settings.jwt_issuer
    if settings.jwt_audience:
        claims["aud"] = settings.jwt_audience
    return jwt.encode(claims, settings.jwt_secret, algorithm="HS256")
