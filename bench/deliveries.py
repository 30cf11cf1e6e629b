"""Webhook deliveries: throughput with one and two workers, and the delay from commit to
delivery, against a local receiver; and what the fan-out adds to a write.

    TR_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench_webhooks \\
        .venv/bin/python -m bench.deliveries [--events 3000] [--patients 200]

Use a scratch database (it is migrated and filled). A receiver on 127.0.0.1 (the tests'
tests/support/receiver.py, answering 200, one thread per connection) is subscribed to
`record.created`; each event is one lab result written through the services, one unit of
work each, as over HTTP. The workers are `python -m app deliver` processes.

- Throughput: the events are committed first, then the workers start; events/s counts from
  the first request the receiver gets to the last (process start-up left out).
- Delay: with the workers idle and polling (TR_WEBHOOK_POLL_SECONDS), events are committed
  at a steady rate; delay = arrival at the receiver - the end of the commit (same clock).
- Fan-out: median time of one lab write (commit included) with 0, 1 and 50 subscriptions.
"""

import argparse
import asyncio
import json
import statistics
import tempfile
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import case, false, true, update

from app import cli_migrate
from app.config import Settings
from app.db import Database
from app.models import Subscription
from app.schemas.lab_result import LabResultCreate
from app.schemas.patient import PatientCreate
from app.schemas.subscription import SubscriptionCreate
from app.security import Principal
from app.services import lab_results, patients, subscriptions
from app.services.uow import UnitOfWork
from tests.support import factories as f
from tests.support.receiver import Receiver
from tests.support.workers import WorkerProcess

BENCH = Principal(sub="bench-deliveries", scopes=frozenset({"admin"}), organizations=frozenset("*"))


async def _patients(database: Database, settings: Settings, count: int) -> list[uuid.UUID]:
    made = []
    for _ in range(count):
        async with UnitOfWork(database, BENCH, settings, write=True) as uow:
            body = PatientCreate.model_validate(f.patient_body())
            made.append((await patients.create(uow, body)).row.id)
            await uow.commit()
    return made


async def _subscribe(database: Database, settings: Settings, url: str) -> uuid.UUID:
    body = SubscriptionCreate(url=url, events=["record.created"])
    async with UnitOfWork(database, BENCH, settings, write=True) as uow:
        made = await subscriptions.create(uow, body)
        await uow.commit()
    return made.row.id


async def _write(database: Database, settings: Settings, patient_id: uuid.UUID, n: int) -> str:
    """One lab result in its own unit of work; its id (the event's resource_id)."""
    at = datetime(2020, 1, 1, tzinfo=UTC) + timedelta(minutes=n)
    body = LabResultCreate.model_validate(f.lab_body(collected_at=at.isoformat()))
    async with UnitOfWork(database, BENCH, settings, write=True) as uow:
        saved = await lab_results.create(uow, patient_id, body)
        await uow.commit()
    return str(saved.row.id)


class Arrivals:
    """When each wanted record's event first reached the receiver; reads only the requests
    that came since the last look (parsing them all every time would starve the receiver's
    threads of the GIL)."""

    def __init__(self, receiver: Receiver, wanted: set[str]) -> None:
        self._receiver, self._wanted, self._seen = receiver, wanted, 0
        self.at: dict[str, float] = {}

    def update(self) -> bool:
        requests = self._receiver.journal.requests  # appended to, never rewritten
        for request in requests[self._seen : len(requests)]:
            record = json.loads(request.body)["data"]["resource_id"]
            if record in self._wanted:
                self.at.setdefault(record, request.at)
            self._seen += 1
        return len(self.at) == len(self._wanted)


async def _until(receiver: Receiver, wanted: set[str], within: float = 600) -> dict[str, float]:
    arrivals = Arrivals(receiver, wanted)
    for _ in range(int(within / 0.1)):
        if arrivals.update():
            return arrivals.at
        await asyncio.sleep(0.1)
    raise TimeoutError(f"{len(wanted) - len(arrivals.at)} events not delivered")


def _workers(settings: Settings, count: int, logs: Path) -> list[WorkerProcess]:
    return [WorkerProcess(settings, logs / f"w{count}-{n}.log").start() for n in range(count)]


async def throughput(
    database: Database,
    settings: Settings,
    receiver: Receiver,
    people: Sequence[uuid.UUID],
    events: int,
    count: int,
    logs: Path,
) -> float:
    wanted = {await _write(database, settings, people[n % len(people)], n) for n in range(events)}
    started = _workers(settings, count, logs)
    try:
        arrived = sorted((await _until(receiver, wanted)).values())
    finally:
        for worker in started:
            worker.stop()
    return (len(arrived) - 1) / (arrived[-1] - arrived[0])


async def delay(
    database: Database,
    settings: Settings,
    receiver: Receiver,
    people: Sequence[uuid.UUID],
    rate: float,
    seconds: float,
    count: int,
    logs: Path,
) -> tuple[float, float]:
    started = _workers(settings, count, logs)
    try:
        await asyncio.sleep(5)  # started and polling
        committed: dict[str, float] = {}
        for n in range(int(rate * seconds)):
            tick = time.monotonic()
            record = await _write(database, settings, people[n % len(people)], 100_000 + n)
            committed[record] = time.time()
            await asyncio.sleep(max(0.0, 1 / rate - (time.monotonic() - tick)))
        arrived = await _until(receiver, set(committed))
    finally:
        for worker in started:
            worker.stop()
    delays = sorted((arrived[r] - committed[r]) * 1000 for r in committed)
    return statistics.median(delays), delays[min(len(delays) - 1, int(0.99 * len(delays)))]


async def fan_out(
    database: Database, settings: Settings, people: Sequence[uuid.UUID], first: uuid.UUID
) -> dict[int, float]:
    """Median ms of one lab write with 0, 1 and 50 active subscriptions, the three measured
    in turns (ten rounds of 20 writes each) so that the machine's drift hits them alike."""
    others = [await _subscribe(database, settings, "http://127.0.0.1:9/unused") for _ in range(49)]
    samples: dict[int, list[float]] = {0: [], 1: [], 50: []}
    n = 0
    for _ in range(10):
        for active in samples:
            async with UnitOfWork(database, BENCH, settings, write=True) as uow:
                on = {first} if active == 1 else {first, *others} if active == 50 else set()
                flag = case((Subscription.id.in_(on), true()), else_=false()) if on else false()
                await uow.session.execute(update(Subscription).values(active=flag))
                await uow.commit()
            for _ in range(20):
                n += 1
                started = time.perf_counter()
                await _write(database, settings, people[n % len(people)], 500_000 + n)
                samples[active].append((time.perf_counter() - started) * 1000)
    return {active: statistics.median(times) for active, times in samples.items()}


async def run(settings: Settings, args: argparse.Namespace) -> None:
    logs = Path(tempfile.mkdtemp(prefix="tr-bench-deliveries-"))
    database = Database.open(settings)
    with Receiver() as receiver:
        people = await _patients(database, settings, args.patients)
        first = await _subscribe(database, settings, receiver.url("/ok"))
        print(
            f"database: {settings.database_url.split('@')[-1]}; {args.patients} patients; "
            f"batch {args.batch}; poll {settings.webhook_poll_seconds} s; logs: {logs}"
        )
        for count in (1, 2):
            rate = await throughput(database, settings, receiver, people, args.events, count, logs)
            print(f"throughput, {count} worker(s): {rate:7.0f} events/s ({args.events} events)")
        for count, poll in (
            (1, settings.webhook_poll_seconds),
            (2, settings.webhook_poll_seconds),
            (1, 0.1),
        ):
            polling = settings.model_copy(update={"webhook_poll_seconds": poll})
            p50, p99 = await delay(
                database, polling, receiver, people, args.rate, args.seconds, count, logs
            )
            print(
                f"commit to delivery, {count} worker(s), poll {poll} s, {args.rate:.0f} events/s: "
                f"p50 {p50:5.0f} ms, p99 {p99:5.0f} ms"
            )
        timed = await fan_out(database, settings, people, first)
        print(
            "one lab write, commit included (fan-out rows built in Python), median: "
            + ", ".join(f"{ms:.1f} ms with {n} subscriptions" for n, ms in timed.items())
        )
    await database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=3000, help="per throughput run")
    parser.add_argument("--patients", type=int, default=200)
    parser.add_argument("--batch", type=int, default=32, help="TR_WEBHOOK_BATCH_SIZE")
    parser.add_argument("--rate", type=float, default=20, help="events/s in the delay runs")
    parser.add_argument("--seconds", type=float, default=15, help="length of a delay run")
    args = parser.parse_args()
    settings = Settings(webhook_allow_private=True, webhook_batch_size=args.batch)
    if settings.is_sqlite:
        print("note: SQLite (set TR_DATABASE_URL=postgresql://... for the numbers to report)")
    cli_migrate.upgrade(settings)
    asyncio.run(run(settings, args))


if __name__ == "__main__":
    main()
