"""What a receiver got, read the way the delivery guarantees are stated: per event, per
patient, in arrival order; and what the service says it delivered."""

import json
from collections import defaultdict
from typing import Any

import httpx

from app.config import Settings
from tests.outbox import stored
from tests.support.receiver import Receiver


def bodies(receiver: Receiver) -> list[dict[str, Any]]:
    return [json.loads(r.body) for r in receiver.requests]


def arrivals_by_patient(receiver: Receiver) -> dict[str, list[str]]:
    """Each patient's event ids in the order their requests arrived (retries included)."""
    found: dict[str, list[str]] = defaultdict(list)
    for body in bodies(receiver):
        found[body["patient_id"]].append(body["id"])
    return found


async def event_order(database_settings: Settings) -> dict[str, list[str]]:
    """Each patient's event ids in commit order (the outbox's numbering)."""
    found: dict[str, list[str]] = defaultdict(list)
    async with stored.opened(database_settings) as database:
        for event in await stored.events(database, database_settings):
            found[str(event.patient_id)].append(str(event.id))
    return found


def in_order(arrived: list[str], committed: list[str]) -> bool:
    """Arrivals never go back to an earlier event once a later one came (a later event
    waits while an earlier one is retried)."""
    position = [committed.index(event_id) for event_id in arrived]
    return position == sorted(position)


async def deliveries(admin: httpx.AsyncClient, subscription_id: str) -> list[dict[str, Any]]:
    """The delivery log through the API (every page), each with its attempts."""
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        params = {"limit": "500", **({"cursor": cursor} if cursor else {})}
        response = await admin.get(f"/v1/subscriptions/{subscription_id}/deliveries", params=params)
        items += response.json()["items"]
        cursor = response.json()["next_cursor"]
        if cursor is None:
            return items
