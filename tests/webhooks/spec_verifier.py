"""An independent Standard Webhooks verifier, written from the specification's text only
(Standard Webhooks 1.0.0, "Signature scheme" and "Webhook headers"): the HMAC-SHA256 key is
the base64 part of ``whsec_...``; the signed content is ``{msg_id}.{timestamp}.{payload}``;
``webhook-signature`` is a space-delimited list of ``v1,<base64 signature>``.
It shares no code with app.webhooks or the standardwebhooks package.
"""

import base64
import hashlib
import hmac
from collections.abc import Mapping


def expected_signature(secret: str, msg_id: str, timestamp: str, payload: bytes) -> bytes:
    key = base64.b64decode(secret.split("_", 1)[1])
    content = msg_id.encode() + b"." + timestamp.encode() + b"." + payload
    return hmac.new(key, content, hashlib.sha256).digest()


def signatures(headers: Mapping[str, str]) -> list[bytes]:
    """The v1 signatures of the header, in order."""
    entries = [entry.split(",", 1) for entry in headers["webhook-signature"].split(" ")]
    return [base64.b64decode(value) for version, value in entries if version == "v1"]


def verifies(secret: str, headers: Mapping[str, str], payload: bytes) -> bool:
    """True when one of the header's v1 signatures is the one ``secret`` makes."""
    lower = {name.lower(): value for name, value in headers.items()}
    expected = expected_signature(secret, lower["webhook-id"], lower["webhook-timestamp"], payload)
    return any(hmac.compare_digest(expected, signature) for signature in signatures(lower))
