"""Outbound webhooks without a database: secrets, signing, target checks, one delivery
attempt, the retry schedule and a graceful stop for the worker loop.

The outbox tables, the subscription service and routes and the ``python -m app deliver`` loop
are built on top of this package; it imports nothing from the rest of the app.
"""

from app.webhooks.addresses import is_public
from app.webhooks.delivery import Attempt, DeliveryOptions, ErrorKind, send
from app.webhooks.retry import (
    DEFAULT_BASE,
    DEFAULT_CEILING,
    DEFAULT_DEADLINE,
    next_attempt_at,
    nominal_delay,
    parse_retry_after,
)
from app.webhooks.secret import InvalidSecret, WebhookSecret, signing_secrets
from app.webhooks.signature import Event, EventType, signature_headers
from app.webhooks.stopper import Stopper
from app.webhooks.targets import (
    RefusalReason,
    Resolver,
    TargetRefused,
    VettedTarget,
    check_url,
    system_resolver,
    vet_target,
)

__all__ = [
    "DEFAULT_BASE",
    "DEFAULT_CEILING",
    "DEFAULT_DEADLINE",
    "Attempt",
    "DeliveryOptions",
    "ErrorKind",
    "Event",
    "EventType",
    "InvalidSecret",
    "RefusalReason",
    "Resolver",
    "Stopper",
    "TargetRefused",
    "VettedTarget",
    "WebhookSecret",
    "check_url",
    "is_public",
    "next_attempt_at",
    "nominal_delay",
    "parse_retry_after",
    "send",
    "signature_headers",
    "signing_secrets",
    "system_resolver",
    "vet_target",
]
