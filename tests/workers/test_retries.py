"""Retries: a hanging receiver times out and gets the event again, a delivery still failing
at its deadline is failed and holds nothing back, a failed one can be retried by hand (same
Webhook-Id), and an event never tried before its deadline is failed unsent."""

import threading
from collections import Counter

import httpx
import pytest

from app.config import Settings
from tests.support import factories as f
from tests.support.receiver import Receiver
from tests.support.webhooks import subscribe
from tests.support.workers import deliver_until
from tests.workers.journal import deliveries

# Deadlines and timeouts of a second or less, measured in wall-clock time: run alone.
pytestmark = [pytest.mark.anyio, pytest.mark.serial]
SECOND_IN_HOURS = 1 / 3600


async def test_a_hanging_receiver_times_out_and_is_sent_the_event_again(
    quick: Settings, admin: httpx.AsyncClient, writer: httpx.AsyncClient, receiver: Receiver
) -> None:
    subscription = await subscribe(admin, receiver.url("/stall"), events=["record.created"])
    await f.patient(writer)
    patient = quick.model_copy(update={"webhook_timeout_seconds": 0.5})

    await deliver_until(patient, lambda: len(receiver.requests) >= 2)

    first, second = receiver.requests
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert first.body == second.body
    [delivery] = await deliveries(admin, subscription["id"])
    assert delivery["status"] == "delivered"
    timed_out, answered = delivery["attempts"]
    assert (timed_out["error_kind"], timed_out["status_code"]) == ("timeout", None)
    # Cut at the attempt's 0.5 s (part of which may go before the exchange), not at the
    # receiver's 10 s.
    assert timed_out["latency_ms"] <= 1000
    assert (answered["error_kind"], answered["status_code"]) == (None, 200)


async def test_failed_at_the_deadline_holds_nothing_back_and_can_be_retried_by_hand(
    quick: Settings, admin: httpx.AsyncClient, writer: httpx.AsyncClient, receiver: Receiver
) -> None:
    brief = quick.model_copy(update={"webhook_deadline_hours": 1.0 * SECOND_IN_HOURS})
    subscription = await subscribe(admin, receiver.url("/fail"), events=["record.created"])
    one = f"/v1/subscriptions/{subscription['id']}"
    patient = await f.patient(writer)

    await deliver_until(brief, lambda: False, within=1.5)  # past the deadline
    [failed] = await deliveries(admin, subscription["id"])
    assert failed["status"] == "failed"
    assert failed["next_attempt_at"] is None
    assert len(failed["attempts"]) >= 3  # retried until the deadline
    assert {a["status_code"] for a in failed["attempts"]} == {500}
    assert failed["last_error"] == "http_status: 500"

    assert (await admin.patch(one, json={"url": receiver.url("/ok")})).status_code == 200
    lab = await f.created(writer, f"/v1/patients/{patient['id']}/lab-results", f.lab_body())
    await deliver_until(brief, lambda: receiver.requests[-1].path == "/ok")
    later = [d for d in await deliveries(admin, subscription["id"]) if d["id"] != failed["id"]]
    assert [d["status"] for d in later] == ["delivered"]  # the failed one held nothing back
    assert receiver.requests[-1].body.count(lab["id"].encode()) == 1

    retry = f"{one}/deliveries/{failed['id']}:retry"
    retried = await admin.post(retry, headers={"Idempotency-Key": "retry-1"})
    assert retried.status_code == 200
    assert (retried.json()["status"], retried.json()["event_id"]) == ("pending", failed["event_id"])
    replayed = await admin.post(retry, headers={"Idempotency-Key": "retry-1"})
    assert (replayed.status_code, replayed.json()) == (200, retried.json())
    assert replayed.headers["idempotent-replayed"] == "true"
    again = await admin.post(retry)
    assert again.status_code == 409  # only a failed one
    await deliver_until(brief, lambda: len(receiver.requests) > len(failed["attempts"]) + 1)
    [done] = [d for d in await deliveries(admin, subscription["id"]) if d["id"] == failed["id"]]
    assert done["status"] == "delivered"
    assert [a["number"] for a in done["attempts"]] == list(range(1, len(failed["attempts"]) + 2))
    copies = Counter(
        r.path for r in receiver.requests if r.headers["webhook-id"] == failed["event_id"]
    )
    assert copies == {"/fail": len(failed["attempts"]), "/ok": 1}  # same Webhook-Id throughout


async def test_an_event_never_tried_before_its_deadline_fails_unsent(
    quick: Settings, admin: httpx.AsyncClient, writer: httpx.AsyncClient, receiver: Receiver
) -> None:
    brief = quick.model_copy(update={"webhook_deadline_hours": 0.3 * SECOND_IN_HOURS})
    paused = await subscribe(admin, receiver.url("/ok"), events=["record.created"])
    one = f"/v1/subscriptions/{paused['id']}"
    await f.patient(writer)
    assert (await admin.patch(one, json={"active": False})).status_code == 200
    await deliver_until(brief, lambda: False, within=0.5)  # paused: its deliveries wait
    assert [d["status"] for d in await deliveries(admin, paused["id"])] == ["pending"]
    assert (await admin.patch(one, json={"active": True})).status_code == 200

    await deliver_until(brief, lambda: False, within=0.3)

    [expired] = await deliveries(admin, paused["id"])
    assert (expired["status"], expired["attempts"]) == ("failed", [])
    assert expired["last_error"] == "deadline_passed_before_an_attempt"
    assert receiver.requests == []


async def test_a_stop_mid_attempt_lets_the_attempt_finish_and_be_recorded(
    quick: Settings, admin: httpx.AsyncClient, writer: httpx.AsyncClient, receiver: Receiver
) -> None:
    subscription = await subscribe(admin, receiver.url("/stall"), events=["record.created"])
    await f.patient(writer)
    answer_later = threading.Timer(0.3, receiver.journal.release.set)

    def stop_once_it_is_sent() -> bool:
        if receiver.requests and not answer_later.is_alive():
            answer_later.start()  # the stop comes now; the receiver answers 0.3 s later
        return bool(receiver.requests)

    await deliver_until(quick, stop_once_it_is_sent)

    [delivery] = await deliveries(admin, subscription["id"])
    assert delivery["status"] == "delivered"
    assert [a["status_code"] for a in delivery["attempts"]] == [200]
    assert delivery["attempts"][0]["latency_ms"] >= 250
    assert len(receiver.requests) == 1
