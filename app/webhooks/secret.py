"""Signing secrets in the Standard Webhooks form: ``whsec_`` + base64 of the HMAC key.

Source: Standard Webhooks 1.0.0, "Signature scheme" (symmetric: a random key of at least
24 bytes and at most 512 bits, serialised as base64 with the ``whsec_`` prefix) and the
HTTP contract's "Subscriptions (webhooks)" (the service generates 32 random bytes; a caller
may send its own secret in that form).
"""

import base64
import binascii
import hmac
import re
import secrets
from datetime import datetime, timedelta

PREFIX = "whsec_"
GENERATED_KEY_BYTES = 32
MIN_KEY_BYTES = 24
MAX_KEY_BYTES = 64
# Standard base64 alphabet; padding optional because the standard's libraries pad it back.
_FORM = re.compile(r"whsec_([A-Za-z0-9+/]+)(={0,2})")


class InvalidSecret(ValueError):
    """A caller-sent secret is not ``whsec_`` + base64 of 24 to 64 bytes.

    The message never repeats the value: a rejected secret may still be a real one.
    """


class WebhookSecret:
    """A signing secret whose ``repr`` and ``str`` hide it, so it cannot reach a log by accident.

    ``reveal()`` is the one way to read it: to store it, to return it once in the 201, to sign.
    """

    __slots__ = ("_value",)
    _value: str

    def __init__(self, value: str) -> None:
        """Validate ``value`` (see :func:`parse_key`) and keep it."""
        parse_key(value)
        object.__setattr__(self, "_value", value)

    @classmethod
    def generate(cls) -> "WebhookSecret":
        """A new secret: ``whsec_`` + base64 of 32 bytes from the OS's CSPRNG."""
        key = secrets.token_bytes(GENERATED_KEY_BYTES)
        return cls(PREFIX + base64.b64encode(key).decode("ascii"))

    def reveal(self) -> str:
        return self._value

    @property
    def key(self) -> bytes:
        """The HMAC key: the base64-decoded part after the prefix."""
        return parse_key(self._value)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("WebhookSecret is immutable")

    def __repr__(self) -> str:
        return "WebhookSecret('whsec_***')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, WebhookSecret):
            return NotImplemented
        return hmac.compare_digest(self._value, other._value)

    def __hash__(self) -> int:
        return hash(self._value)

    def __reduce__(self) -> tuple[type["WebhookSecret"], tuple[str]]:
        return (WebhookSecret, (self._value,))


def parse_key(value: str) -> bytes:
    """The HMAC key of a ``whsec_`` secret; :class:`InvalidSecret` when the form is wrong."""
    match = _FORM.fullmatch(value)
    if match is None:
        raise InvalidSecret("a secret is 'whsec_' followed by standard base64")
    encoded, padding = match.groups()
    if padding and (len(encoded) + len(padding)) % 4:
        raise InvalidSecret("the secret's base64 padding is wrong")
    try:
        key = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
    except binascii.Error:
        raise InvalidSecret("the secret's base64 does not decode") from None
    if not MIN_KEY_BYTES <= len(key) <= MAX_KEY_BYTES:
        raise InvalidSecret(f"the decoded secret must be {MIN_KEY_BYTES} to {MAX_KEY_BYTES} bytes")
    return key


def signing_secrets(
    current: WebhookSecret,
    previous: WebhookSecret | None,
    rotated_at: datetime | None,
    now: datetime,
    overlap: timedelta = timedelta(hours=24),
) -> tuple[WebhookSecret, ...]:
    """The secrets to sign with now: the current one, plus the previous one while the
    rotation overlap (``TR_WEBHOOK_SECRET_OVERLAP_HOURS``, default 24) has not elapsed.
    """
    if previous is None or rotated_at is None or now >= rotated_at + overlap:
        return (current,)
    return (current, previous)
