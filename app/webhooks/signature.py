"""The body of an event and the Standard Webhooks headers that sign it.

Source: the HTTP contract, "Subscriptions (webhooks)": body ``{"id", "type", "occurred_at",
"patient_id", "data"}``; headers ``Webhook-Id`` (the event id, the same on every retry),
``Webhook-Timestamp`` (unix seconds of the attempt) and ``Webhook-Signature``
(``v1,<base64 HMAC-SHA256 of "id.timestamp.body">``, one per secret, space-separated).
"""

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from standardwebhooks.webhooks import Webhook

from app.webhooks.secret import WebhookSecret


class EventType(StrEnum):
    """The events a subscription may ask for (the contract's list)."""

    STATUS_CHANGED = "status.changed"
    RECORD_CREATED = "record.created"
    RECORD_CHANGED = "record.changed"


@dataclass(frozen=True)
class Event:
    """One outbox event as it is sent; ``data`` must hold JSON values, UUIDs or dates only."""

    event_id: uuid.UUID
    event_type: EventType
    occurred_at: datetime
    patient_id: uuid.UUID
    data: Mapping[str, Any]

    def body(self) -> bytes:
        """The exact bytes that are signed and posted: compact JSON, ASCII only.

        The same event gives the same bytes on every retry (key order is the contract's).
        """
        document = {
            "id": str(self.event_id),
            "type": str(self.event_type),
            "occurred_at": utc_timestamp(self.occurred_at),
            "patient_id": str(self.patient_id),
            "data": self.data,
        }
        return json.dumps(document, separators=(",", ":"), default=_json_value).encode("ascii")


def utc_timestamp(moment: datetime) -> str:
    """RFC 3339 in UTC with ``Z``, as the API writes its timestamps."""
    if moment.tzinfo is None:
        raise ValueError("a naive datetime has no offset")
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _json_value(value: object) -> str:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        return utc_timestamp(value)
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not a JSON value")


def signature_headers(
    event_id: uuid.UUID, timestamp: int, body: bytes, secrets: Sequence[WebhookSecret]
) -> dict[str, str]:
    """``Webhook-Id``, ``Webhook-Timestamp`` and ``Webhook-Signature`` for one attempt.

    Signed by the ``standardwebhooks`` library (the receivers' own), one signature per
    secret in the given order (current first, then the one being rotated out).
    """
    if not secrets:
        raise ValueError("at least one secret is needed to sign")
    # The library replaces tzinfo with UTC instead of converting: the moment must be UTC.
    moment = datetime.fromtimestamp(timestamp, UTC)
    text = body.decode("utf-8")
    signatures = [
        Webhook(secret.reveal()).sign(msg_id=str(event_id), timestamp=moment, data=text)
        for secret in secrets
    ]
    return {
        "Webhook-Id": str(event_id),
        "Webhook-Timestamp": str(timestamp),
        "Webhook-Signature": " ".join(signatures),
    }
