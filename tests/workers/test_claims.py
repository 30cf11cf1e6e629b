"""The claim itself (the worker's service calls, no HTTP): concurrent claimers never share a
delivery, a lease that ran out (a worker killed mid-attempt) makes it claimable again and
the late worker's record is refused, a patient's later event waits for the earlier one, a
released claim is claimable at once."""

import asyncio
from contextlib import AsyncExitStack
from datetime import UTC, datetime

import httpx
import pytest

from app.config import Settings
from app.services import dispatch
from app.webhooks import Attempt, ErrorKind
from tests.outbox import stored
from tests.support import factories as f
from tests.support.webhooks import subscribe
from tests.workers.journal import deliveries

pytestmark = pytest.mark.anyio
HOOK = "http://127.0.0.1:9/hook"  # nothing is sent in these tests
DELIVERED = Attempt(True, 200, 4, "ok", None)
BROKEN = Attempt(False, 500, 4, "broke", ErrorKind.HTTP_STATUS)


def _done(claim: dispatch.Claim, attempt: Attempt = DELIVERED) -> dispatch.Done:
    return dispatch.Done(claim, attempt, datetime.now(UTC))


async def test_concurrent_claimers_share_the_due_deliveries_without_overlap(
    quick: Settings, admin: httpx.AsyncClient, writer: httpx.AsyncClient
) -> None:
    await subscribe(admin, HOOK, events=["record.created"])
    for _ in range(12):
        await f.patient(writer)  # one delivery each, twelve patients: all due at once
    async with AsyncExitStack() as stack:  # three workers: three connection pools
        databases = [await stack.enter_async_context(stored.opened(quick)) for _ in range(3)]
        batches = await asyncio.gather(
            *(
                dispatch.claim_due(database, quick, worker=f"w{n}", limit=5)
                for n, database in enumerate(databases)
            )
        )
    claimed = [claim.delivery_id for batch in batches for claim in batch]
    assert len(claimed) == len(set(claimed)) == 12
    assert sorted(len(batch) for batch in batches) == [2, 5, 5]


async def test_an_expired_lease_is_claimable_again_and_the_late_record_is_refused(
    quick: Settings, admin: httpx.AsyncClient, writer: httpx.AsyncClient
) -> None:
    subscription = await subscribe(admin, HOOK, events=["record.created"])
    await f.patient(writer)
    short = quick.model_copy(update={"webhook_timeout_seconds": 0.2, "webhook_lease_seconds": 0.4})
    async with stored.opened(short) as database:
        [first] = await dispatch.claim_due(database, short, worker="killed", limit=10)
        assert await dispatch.claim_due(database, short, worker="other", limit=10) == []
        await asyncio.sleep(0.5)  # the lease runs out: its worker died mid-attempt
        [again] = await dispatch.claim_due(database, short, worker="other", limit=10)
        assert again.delivery_id == first.delivery_id
        assert again.event.event_id == first.event.event_id  # the same Webhook-Id
        assert again.attempt_number == first.attempt_number == 1
        late = await dispatch.record(database, short, [_done(first)], worker="killed")
        kept = await dispatch.record(database, short, [_done(again)], worker="other")
    assert (late, kept) == (["claim_lost"], ["delivered"])
    [delivery] = await deliveries(admin, subscription["id"])
    assert [a["number"] for a in delivery["attempts"]] == [1]  # one attempt, recorded once


async def test_a_patients_later_event_waits_until_the_earlier_one_is_done(
    quick: Settings, admin: httpx.AsyncClient, writer: httpx.AsyncClient
) -> None:
    await subscribe(admin, HOOK)  # every event: a new patient has four, in order
    await f.patient(writer)
    # A first retry 0.5-1 s after the failure: surely not due at the next claim.
    paced = quick.model_copy(update={"webhook_retry_base_seconds": 1.0})
    async with stored.opened(paced) as database:
        seqs = [event.id for event in await stored.events(database, paced)]
        [first] = await dispatch.claim_due(database, paced, worker="w", limit=10)
        assert first.event.event_id == seqs[0]
        await dispatch.record(database, paced, [_done(first, BROKEN)], worker="w")
        assert await dispatch.claim_due(database, paced, worker="w", limit=10) == []
        await asyncio.sleep(paced.webhook_retry_base_seconds)  # its retry is due
        [retry] = await dispatch.claim_due(database, paced, worker="w", limit=10)
        assert (retry.event.event_id, retry.attempt_number) == (seqs[0], 2)
        await dispatch.record(database, paced, [_done(retry)], worker="w")
        [second] = await dispatch.claim_due(database, paced, worker="w", limit=10)
        assert second.event.event_id == seqs[1]


async def test_a_released_claim_is_claimable_at_once(
    quick: Settings, admin: httpx.AsyncClient, writer: httpx.AsyncClient
) -> None:
    await subscribe(admin, HOOK, events=["record.created"])
    await f.patient(writer)
    async with stored.opened(quick) as database:
        taken = await dispatch.claim_due(database, quick, worker="stopping", limit=10)
        await dispatch.release(database, quick, taken, worker="stopping")
        [again] = await dispatch.claim_due(database, quick, worker="other", limit=10)
    assert [again.delivery_id] == [claim.delivery_id for claim in taken]


async def test_attempts_recorded_together_each_get_their_own_next_state(
    quick: Settings, admin: httpx.AsyncClient, writer: httpx.AsyncClient
) -> None:
    subscription = await subscribe(admin, HOOK, events=["record.created"])
    for _ in range(3):
        await f.patient(writer)
    async with stored.opened(quick) as database:
        claims = await dispatch.claim_due(database, quick, worker="w", limit=10)
        attempts = [DELIVERED, BROKEN, DELIVERED]
        done = [_done(claim, attempt) for claim, attempt in zip(claims, attempts, strict=True)]
        outcomes = await dispatch.record(database, quick, done, worker="w")
    assert outcomes == ["delivered", "retry", "delivered"]
    log = {d["id"]: d for d in await deliveries(admin, subscription["id"])}
    states = [log[str(claim.delivery_id)] for claim in claims]
    assert [d["status"] for d in states] == ["delivered", "pending", "delivered"]
    assert [d["last_status_code"] for d in states] == [200, 500, 200]
    assert states[1]["next_attempt_at"] is not None
    assert states[0]["delivered_at"] is not None
    assert states[1]["delivered_at"] is None
    assert [[a["number"] for a in d["attempts"]] for d in states] == [[1], [1], [1]]
