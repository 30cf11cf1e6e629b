"""Subscriptions (webhooks) and their delivery log, as the HTTP contract shows them."""

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal, Self

from pydantic import AfterValidator, ConfigDict, Field, Strict, model_validator

from app.config import ORGANIZATION_PATTERN
from app.schemas import examples
from app.schemas.common import InputModel, ReadModel

EventName = Literal["status.changed", "record.created", "record.changed"]
DeliveryStatus = Literal["pending", "delivered", "failed"]
Organization = Annotated[
    str,
    Field(
        pattern=rf"^\*$|{ORGANIZATION_PATTERN}",
        description="an organization code, or `*` for all of them",
    ),
]
Url = Annotated[
    str,
    Field(
        min_length=1,
        max_length=2048,
        description="https (http only where TR_WEBHOOK_ALLOW_PRIVATE=true); every address its "
        "host resolves to must be public",
    ),
]
Flag = Annotated[bool, Strict()]


def _once_each(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


Events = Annotated[list[EventName], Field(min_length=1, max_length=3), AfterValidator(_once_each)]
Organizations = Annotated[
    list[Organization],
    Field(
        min_length=1,
        max_length=100,
        description="the organizations whose patients it hears of (within the caller's; "
        "tenancy off: every patient)",
    ),
    AfterValidator(_once_each),
]


class SubscriptionCreate(InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.SUBSCRIPTION]})

    url: Url
    events: Events
    organizations: Organizations | None = Field(
        None, description="default: the caller's organizations (tenancy off: the default one)"
    )
    active: Flag = True
    secret: str | None = Field(
        None,
        max_length=128,
        description="your own signing secret, `whsec_` + base64 of 24 to 64 bytes; "
        "default: one is generated (and shown once, in the answer)",
    )


class SubscriptionUpdate(InputModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"active": False}, {"rotate_secret": True}]}
    )

    url: Url | None = None
    events: Events | None = None
    organizations: Organizations | None = None
    active: Flag | None = None
    rotate_secret: Flag = Field(
        False,
        description="true: a new secret is generated and shown once, in the answer; the "
        "previous one also signs for TR_WEBHOOK_SECRET_OVERLAP_HOURS",
    )

    @model_validator(mode="after")
    def _no_nulls(self) -> Self:
        nulls = sorted(name for name in self.model_fields_set if getattr(self, name) is None)
        if nulls:
            raise ValueError(f"{', '.join(nulls)} cannot be null (leave it out to keep it)")
        return self


class SubscriptionRead(ReadModel):
    id: uuid.UUID
    version: int
    url: str
    events: list[EventName]
    organizations: list[str]
    active: bool
    created_by: str
    created_at: datetime
    updated_at: datetime
    rotated_at: datetime | None = Field(description="when the secret was last rotated")
    deleted_at: datetime | None = Field(description="set by DELETE; its deliveries stay readable")


class SubscriptionWithSecret(SubscriptionRead):
    """The answer that creates a secret: the only one that shows it."""

    secret: str = Field(
        description="the signing secret (`whsec_...`): shown once, store it now",
        examples=["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
    )


class DeliveryAttemptRead(ReadModel):
    number: int
    started_at: datetime
    status_code: int | None
    latency_ms: int
    error_kind: str | None = Field(
        description="dns, refused_target, connect, tls, timeout, network, protocol, redirect, "
        "http_status; null when delivered"
    )
    error_detail: str | None
    response_excerpt: str = Field(description="the start of the receiver's answer (1 KiB)")


class DeliveryRead(ReadModel):
    id: uuid.UUID
    subscription_id: uuid.UUID
    event_id: uuid.UUID = Field(description="the Webhook-Id, the same on every attempt")
    event_type: EventName
    patient_id: uuid.UUID
    status: DeliveryStatus
    next_attempt_at: datetime | None = Field(description="when pending: the next attempt")
    last_status_code: int | None
    last_error: str | None
    created_at: datetime = Field(description="the event's time; the deadline counts from it")
    delivered_at: datetime | None
    attempts: list[DeliveryAttemptRead]

    @classmethod
    def of(cls, row: Any, event_type: str, attempts: list[Any]) -> "DeliveryRead":
        pending = row.status == "pending"
        return cls(
            id=row.id,
            subscription_id=row.subscription_id,
            event_id=row.event_id,
            event_type=event_type,
            patient_id=row.patient_id,
            status=row.status,
            next_attempt_at=row.next_attempt_at if pending else None,
            last_status_code=row.last_status_code,
            last_error=row.last_error,
            created_at=row.created_at,
            delivered_at=row.delivered_at,
            attempts=[DeliveryAttemptRead.model_validate(a) for a in attempts],
        )
