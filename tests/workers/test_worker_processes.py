"""The worker as operators run it: `python -m app deliver` and `python -m app worker`
processes, two at once, one killed with kill -9 mid-delivery, one stopped with SIGTERM
mid-delivery. The receiver is a thread of this process on 127.0.0.1."""

import asyncio
import json
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from app.config import Settings
from tests.support import factories as f
from tests.support.receiver import Receiver
from tests.support.webhooks import subscribe
from tests.support.workers import WorkerProcess
from tests.workers.journal import arrivals_by_patient, deliveries, event_order

pytestmark = [pytest.mark.slow, pytest.mark.anyio]


@pytest.fixture
def spawn(tmp_path: Path) -> Iterator[Callable[..., WorkerProcess]]:
    started: list[WorkerProcess] = []

    def start(settings: Settings, command: str = "deliver") -> WorkerProcess:
        worker = WorkerProcess(settings, tmp_path / f"worker-{len(started)}.log", command)
        started.append(worker.start())
        return worker

    yield start
    for worker in started:
        worker.stop()


async def _wait(condition: Callable[[], bool], within: float, what: str) -> None:
    """Poll `condition` (it reads a log file or the receiver's journal) every 50 ms."""
    for _ in range(round(within / 0.05)):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def _lines(worker: WorkerProcess) -> list[dict[str, object]]:
    text = worker.log.read_text() if worker.log.exists() else ""
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def _started(worker: WorkerProcess) -> bool:
    return any(line["message"] == "delivery worker started" for line in _lines(worker))


def _attempts(worker: WorkerProcess) -> list[dict[str, object]]:
    return [line for line in _lines(worker) if line["message"] == "delivery attempt"]


async def test_two_workers_share_the_queue_and_never_send_one_attempt_twice(
    quick: Settings,
    admin: httpx.AsyncClient,
    writer: httpx.AsyncClient,
    receiver: Receiver,
    spawn: Callable[..., WorkerProcess],
) -> None:
    shared = quick.model_copy(update={"webhook_batch_size": 3})
    subscription = await subscribe(admin, receiver.url("/ok?token=q-s3cr3t"))
    workers = [spawn(shared, "deliver"), spawn(shared, "worker")]  # `worker`: every loop
    await _wait(lambda: all(_started(w) for w in workers), 60, "both workers to start")
    for _ in range(8):
        patient = await f.patient(writer)
        for n in range(3):
            lab = f.lab_body(collected_at=f"2024-0{n + 1}-10T08:00:00Z")
            await f.created(writer, f"/v1/patients/{patient['id']}/lab-results", lab)
    committed = await event_order(shared)
    total = sum(len(ids) for ids in committed.values())

    await _wait(lambda: len(receiver.requests) >= total, 60, "every event")
    await asyncio.sleep(0.5)  # a second copy, if any, would arrive now
    assert [w.terminate() for w in workers] == [0, 0]

    sent = Counter(r.headers["webhook-id"] for r in receiver.requests)
    assert set(sent.values()) == {1}  # the receiver acknowledged all: no event came twice
    assert set(sent) == {event_id for ids in committed.values() for event_id in ids}
    for patient_id, arrived in arrivals_by_patient(receiver).items():
        assert arrived == committed[patient_id]
    shares = [len(_attempts(w)) for w in workers]
    assert sum(shares) == total
    assert all(share > 0 for share in shares), shares  # both did part of the work
    log = await deliveries(admin, subscription["id"])
    assert {len(d["attempts"]) for d in log} == {1}
    logged = "".join(w.log.read_text() for w in workers)
    assert {str(line["event_id"]) for w in workers for line in _attempts(w)} == set(sent)
    for leak in ("q-s3cr3t", subscription["secret"].removeprefix("whsec_"), *committed):
        assert leak not in logged  # no URL query, no secret, no patient id


async def test_a_worker_killed_mid_delivery_leaves_its_claim_to_another_after_the_lease(
    quick: Settings,
    admin: httpx.AsyncClient,
    writer: httpx.AsyncClient,
    receiver: Receiver,
    spawn: Callable[..., WorkerProcess],
) -> None:
    leased = quick.model_copy(update={"webhook_timeout_seconds": 2, "webhook_lease_seconds": 3})
    subscription = await subscribe(admin, receiver.url("/stall"), events=["record.created"])
    await f.patient(writer)
    doomed = spawn(leased)
    await _wait(lambda: len(receiver.requests) == 1, 60, "the first attempt")
    killed_at = time.time()
    doomed.kill()  # kill -9 mid-attempt: nothing recorded, the claim still taken
    survivor = spawn(leased)

    await _wait(lambda: len(receiver.requests) == 2, 60, "the claim to be picked up again")
    first, second = receiver.requests
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert second.at - first.at >= leased.webhook_lease_seconds - 0.5  # only after the lease
    assert second.at > killed_at
    await _wait(lambda: len(_attempts(survivor)) == 1, 30, "the attempt to be recorded")
    assert survivor.terminate() == 0
    [delivery] = await deliveries(admin, subscription["id"])
    assert delivery["status"] == "delivered"
    assert [(a["number"], a["status_code"]) for a in delivery["attempts"]] == [(1, 200)]


async def test_sigterm_mid_delivery_lets_the_attempt_finish_and_be_recorded(
    quick: Settings,
    admin: httpx.AsyncClient,
    writer: httpx.AsyncClient,
    receiver: Receiver,
    spawn: Callable[..., WorkerProcess],
) -> None:
    subscription = await subscribe(admin, receiver.url("/stall"), events=["record.created"])
    await f.patient(writer)
    worker = spawn(quick)
    await _wait(lambda: len(receiver.requests) == 1, 60, "the attempt")
    answer = threading.Timer(0.6, receiver.journal.release.set)
    answer.start()  # the receiver answers 0.6 s after the SIGTERM below

    status = worker.terminate()

    assert not answer.is_alive()  # it exited only after the answer came
    assert status == 0
    [delivery] = await deliveries(admin, subscription["id"])
    assert delivery["status"] == "delivered"
    assert [a["status_code"] for a in delivery["attempts"]] == [200]
    assert [line["message"] for line in _lines(worker)][-1] == "delivery worker stopped"
    assert len(receiver.requests) == 1
