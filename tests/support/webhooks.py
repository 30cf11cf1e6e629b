"""Subscription helpers shared by the API, worker and benchmark code: an admin client, a
subscription created through the API, and settings that let webhooks reach 127.0.0.1."""

from typing import Any

import httpx
from fastapi import FastAPI

from app.config import Settings
from app.security import mint_token
from tests.support.clients import client_with

ADMIN_SCOPES = "admin"
# Fast retries for tests: seconds, not minutes (the schedule's shape is the same). An
# attempt may take long: the receiver answers from this process, which the parallel suite
# can starve for seconds, and a slow answer must not count as a failed one (an extra
# retry). The tests of timeouts and leases set their own, short ones.
QUICK = {
    "webhook_allow_private": True,
    "webhook_poll_seconds": 0.05,
    "webhook_retry_base_seconds": 0.1,
    "webhook_retry_ceiling_seconds": 0.4,
    "webhook_timeout_seconds": 15.0,
    "webhook_lease_seconds": 30.0,
}


def local(settings: Settings, **over: Any) -> Settings:
    """`settings` for webhooks to a receiver on 127.0.0.1, retried within the second."""
    return settings.model_copy(update={**QUICK, **over})


def admin_client(
    app: FastAPI, settings: Settings, orgs: list[str] | None = None
) -> httpx.AsyncClient:
    return client_with(app, mint_token(settings, "integration-admin", ADMIN_SCOPES, 3600, orgs))


async def subscribe(client: httpx.AsyncClient, url: str, **over: Any) -> dict[str, Any]:
    """A subscription to every event unless `over` says otherwise; its secret included."""
    body = {"url": url, "events": ["status.changed", "record.created", "record.changed"], **over}
    response = await client.post("/v1/subscriptions", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created
