"""The delivery loop (`python -m app deliver`): claim due deliveries, POST each (outside any
transaction), record the attempt; sleep TR_WEBHOOK_POLL_SECONDS when nothing is due.

A claimed batch is sent concurrently: every attempt ends within TR_WEBHOOK_TIMEOUT_SECONDS,
well inside the lease, so no claim runs out while its worker still works on it. A batch only
holds the oldest pending delivery of each (subscription, patient), so sending them together
keeps each patient's order. Finished attempts are recorded by group commit (Recorder). On stop
the attempts in hand finish and are recorded; claims not yet sent are released. Logs name the
event id, never the URL, a secret or the body.
"""

import asyncio
import logging
import os
import socket
import uuid

from app.config import Settings
from app.db import Database
from app.errors import is_transient
from app.metrics import WEBHOOK_ATTEMPT_SECONDS
from app.models.base import utcnow
from app.services import dispatch
from app.services.dispatch import Claim, Done
from app.webhooks import DeliveryOptions, Stopper, send

log = logging.getLogger("app.workers.deliver")
RECORD_TRIES = 3


def worker_name() -> str:
    """Who holds a claim: host, process and a random part (a restarted process is new)."""
    return f"{socket.gethostname()[:100]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


async def loop(settings: Settings, stopper: Stopper) -> None:
    database = Database.open(settings)
    worker = worker_name()
    options = DeliveryOptions(
        allow_private=settings.webhook_allow_private,
        total_timeout=settings.webhook_timeout_seconds,
    )
    recorder = Recorder(database, settings, worker)
    log.info("delivery worker started", extra={"worker": worker})
    try:
        while not stopper.stopping:
            claims = await _claim(database, settings, worker)
            if stopper.stopping:
                await dispatch.release(database, settings, claims, worker=worker)
                break
            if not claims:
                await stopper.sleep(settings.webhook_poll_seconds)
                continue
            await asyncio.gather(*(_deliver(claim, options, recorder) for claim in claims))
    finally:
        await database.dispose()
        log.info("delivery worker stopped", extra={"worker": worker})


async def _claim(database: Database, settings: Settings, worker: str) -> list[Claim]:
    try:
        return await dispatch.claim_due(
            database, settings, worker=worker, limit=settings.webhook_batch_size
        )
    except Exception as exc:
        if not is_transient(exc):
            raise
        log.warning("database unavailable; claiming again later", extra={"error": _name(exc)})
        return []


async def _deliver(claim: Claim, options: DeliveryOptions, recorder: "Recorder") -> None:
    started = utcnow()
    attempt = await send(claim.event, claim.url, claim.secrets, options)
    WEBHOOK_ATTEMPT_SECONDS.observe(attempt.latency_ms / 1000)
    outcome = await recorder.record(Done(claim, attempt, started))
    log.info(
        "delivery attempt",
        extra={
            "event_id": str(claim.event.event_id),
            "delivery_id": str(claim.delivery_id),
            "attempt": claim.attempt_number,
            "outcome": outcome,
            "status_code": attempt.status_code,
            "error_kind": attempt.error_kind and str(attempt.error_kind),
            "latency_ms": attempt.latency_ms,
        },
    )


class Recorder:
    """Group commit of finished attempts: the first to finish writes its record and every
    other one waiting at that moment, in one transaction; those finishing meanwhile go in
    the next. A batch's attempts mostly end together, so they mostly share one commit."""

    def __init__(self, database: Database, settings: Settings, worker: str) -> None:
        self._database, self._settings, self._worker = database, settings, worker
        self._waiting: list[tuple[Done, asyncio.Future[str]]] = []
        self._writing = asyncio.Lock()

    async def record(self, done: Done) -> str:
        outcome: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._waiting.append((done, outcome))
        async with self._writing:
            if not outcome.done():
                group, self._waiting = self._waiting, []
                results = await self._write([item for item, _ in group])
                for (_, future), result in zip(group, results, strict=True):
                    future.set_result(result)
        return outcome.result()

    async def _write(self, group: list[Done]) -> list[str]:
        """Record, trying again briefly if the database is unavailable: an attempt that
        cannot be recorded is sent again once its lease runs out (the same Webhook-Id)."""
        for tries_left in reversed(range(RECORD_TRIES)):
            try:
                return await dispatch.record(
                    self._database, self._settings, group, worker=self._worker
                )
            except Exception as exc:
                if not is_transient(exc) or tries_left == 0:
                    log.error(
                        "attempts not recorded; they will be sent again after the lease",
                        extra={
                            "event_ids": [str(d.claim.event.event_id) for d in group],
                            "error": _name(exc),
                        },
                    )
                    return ["unrecorded"] * len(group)
                await asyncio.sleep(1)
        return ["unrecorded"] * len(group)


def _name(exc: BaseException) -> str:
    return type(exc).__name__
