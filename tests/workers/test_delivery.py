"""The delivery loop against a real receiver on 127.0.0.1 (in this process): nothing lost,
nothing out of order per (patient, subscription), duplicates only where the receiver did
not acknowledge (then with the same Webhook-Id), signatures that the standard's own library
verifies, and every attempt in the delivery log."""

import time
from collections import Counter

import httpx
import pytest
from standardwebhooks.webhooks import Webhook

from app.config import Settings
from tests.support import factories as f
from tests.support.receiver import Receiver
from tests.support.webhooks import subscribe
from tests.support.workers import deliver_until
from tests.webhooks import spec_verifier
from tests.workers.journal import arrivals_by_patient, deliveries, event_order, in_order

pytestmark = pytest.mark.anyio
BODY_FIELDS = ["id", "type", "occurred_at", "patient_id", "data"]


async def _patients_with_labs(writer: httpx.AsyncClient, patients: int, labs: int) -> list[str]:
    made = []
    for _ in range(patients):
        patient = await f.patient(writer)
        for n in range(labs):
            at = f"2024-0{n + 1}-10T08:00:00Z"
            await f.created(
                writer, f"/v1/patients/{patient['id']}/lab-results", f.lab_body(collected_at=at)
            )
        made.append(patient["id"])
    return made


async def test_everything_arrives_once_in_order_and_signed(
    quick: Settings, admin: httpx.AsyncClient, writer: httpx.AsyncClient, receiver: Receiver
) -> None:
    subscription = await subscribe(admin, receiver.url("/ok?token=t"))
    await _patients_with_labs(writer, patients=3, labs=3)
    committed = await event_order(quick)
    total = sum(len(ids) for ids in committed.values())

    await deliver_until(quick, lambda: len(receiver.requests) >= total)

    got = receiver.requests
    assert len(got) == total  # nothing lost, nothing twice
    assert Counter(r.headers["webhook-id"] for r in got) == Counter(
        event_id for ids in committed.values() for event_id in ids
    )
    for patient_id, arrived in arrivals_by_patient(receiver).items():
        assert arrived == committed[patient_id]
    verifier = Webhook(subscription["secret"])
    for request in got:
        body = verifier.verify(request.body, request.headers)  # the standard's library
        assert spec_verifier.verifies(subscription["secret"], request.headers, request.body)
        assert list(body) == BODY_FIELDS
        assert body["id"] == request.headers["webhook-id"]
    log = await deliveries(admin, subscription["id"])
    assert {d["status"] for d in log} == {"delivered"}
    assert all([a["status_code"] for a in d["attempts"]] == [200] for d in log)
    assert all(d["attempts"][0]["latency_ms"] >= 0 for d in log)


async def test_a_receiver_answering_500_then_200_gets_each_event_until_it_acknowledges(
    quick: Settings, admin: httpx.AsyncClient, writer: httpx.AsyncClient, receiver: Receiver
) -> None:
    subscription = await subscribe(admin, receiver.url("/flaky?fail=2"))
    await _patients_with_labs(writer, patients=2, labs=2)
    committed = await event_order(quick)
    total = sum(len(ids) for ids in committed.values())

    await deliver_until(quick, lambda: len(receiver.requests) >= 3 * total, within=30)

    seen = Counter(r.headers["webhook-id"] for r in receiver.requests)
    assert set(seen.values()) == {3}  # two unacknowledged, then the one that was
    assert len(seen) == total
    for patient_id, arrived in arrivals_by_patient(receiver).items():
        assert in_order(arrived, committed[patient_id])  # a later one waited its turn
    log = await deliveries(admin, subscription["id"])
    for delivery in log:
        assert delivery["status"] == "delivered"
        attempts = delivery["attempts"]
        assert [a["status_code"] for a in attempts] == [500, 500, 200]
        assert [a["error_kind"] for a in attempts] == ["http_status", "http_status", None]
        assert attempts[0]["response_excerpt"] == "receiver broke"
        assert [a["number"] for a in attempts] == [1, 2, 3]


async def test_a_receiver_down_for_a_while_misses_nothing(
    quick: Settings, admin: httpx.AsyncClient, writer: httpx.AsyncClient, receiver: Receiver
) -> None:
    subscription = await subscribe(admin, receiver.url("/ok"))
    receiver.stop()
    await _patients_with_labs(writer, patients=2, labs=1)
    committed = await event_order(quick)
    total = sum(len(ids) for ids in committed.values())
    down_until = time.monotonic() + 1.0  # several attempts' worth of retries
    down = True

    def back_after_a_while() -> bool:
        nonlocal down
        if down and time.monotonic() > down_until:
            receiver.start()
            down = False
        return len(receiver.requests) >= total

    await deliver_until(quick, back_after_a_while, within=30)

    assert sorted(r.headers["webhook-id"] for r in receiver.requests) == sorted(
        event_id for ids in committed.values() for event_id in ids
    )
    for patient_id, arrived in arrivals_by_patient(receiver).items():
        assert arrived == committed[patient_id]
    log = await deliveries(admin, subscription["id"])
    assert {d["status"] for d in log} == {"delivered"}
    refused = [a for d in log for a in d["attempts"] if a["error_kind"] == "connect"]
    assert refused
    assert all(a["status_code"] is None for a in refused)
