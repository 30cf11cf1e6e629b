"""Fan-out at commit: one delivery per event and active subscription that asked for the
event's type, written with the event; none for a subscription made later."""

from collections import Counter

import pytest

from app.config import Settings
from app.db import Database
from app.models import Subscription
from app.models.base import utcnow
from app.services.uow import UnitOfWork
from app.webhooks import WebhookSecret
from tests.outbox.stored import CALLER, deliveries, events, new_patient

pytestmark = pytest.mark.anyio


async def _subscription(
    database: Database, settings: Settings, events: list[str], *, active: bool = True
) -> Subscription:
    now = utcnow()
    row = Subscription(
        version=1,
        url="https://ehr.example/hook",
        events=events,
        organizations=[settings.default_organization],
        active=active,
        secret=WebhookSecret.generate().reveal(),
        created_by="test",
        created_at=now,
        updated_at=now,
    )
    async with UnitOfWork(database, CALLER, settings, write=True) as uow:
        uow.session.add(row)
        await uow.commit()
    return row


async def test_each_active_subscription_gets_the_events_it_asked_for(
    database: Database, settings: Settings
) -> None:
    flags = await _subscription(database, settings, ["status.changed"])
    records = await _subscription(database, settings, ["record.created", "record.changed"])
    await _subscription(database, settings, ["record.created"], active=False)
    patient_id = await new_patient(database, settings)

    written = {e.id: e for e in await events(database, settings)}
    made = await deliveries(database, settings)
    assert Counter((d.subscription_id, written[d.event_id].event_type) for d in made) == {
        (flags.id, "status.changed"): 3,
        (records.id, "record.created"): 1,
    }
    for delivery in made:
        event = written[delivery.event_id]
        assert (delivery.status, delivery.attempts, delivery.patient_id) == (
            "pending",
            0,
            patient_id,
        )
        assert delivery.event_seq == event.seq
        assert delivery.created_at == delivery.next_attempt_at == event.occurred_at


async def test_a_subscription_made_later_gets_only_later_events(
    database: Database, settings: Settings
) -> None:
    await new_patient(database, settings)
    late = await _subscription(database, settings, ["record.created"])
    assert await deliveries(database, settings) == []
    await new_patient(database, settings)
    [delivery] = await deliveries(database, settings)
    assert delivery.subscription_id == late.id
