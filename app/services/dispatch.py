"""The delivery worker's side of the outbox: claim due deliveries, record what an attempt
did and what comes next, give back claims a stopping worker will not send.

Each step is a short unit of work of its own; the POST happens between them, outside any
transaction (app/workers/deliver.py).
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from app.config import Settings
from app.db import Database
from app.metrics import WEBHOOK_DELIVERIES
from app.models.base import new_id, utcnow
from app.models.delivery import DELIVERED, FAILED, PENDING
from app.repositories import delivery_claims as repo
from app.services.uow import UnitOfWork, system_caller
from app.webhooks import Attempt, Event, EventType, WebhookSecret, next_attempt_at, signing_secrets

JOB = system_caller("deliver")


@dataclass(frozen=True, slots=True)
class Claim:
    """A delivery this worker holds until `lease_until`: what to send, where, signed how."""

    delivery_id: uuid.UUID
    event: Event
    url: str
    secrets: tuple[WebhookSecret, ...]
    attempt_number: int
    lease_until: datetime


@dataclass(frozen=True, slots=True)
class Schedule:
    """The retry settings of the contract (TR_WEBHOOK_*), as durations."""

    base: timedelta
    ceiling: timedelta
    deadline: timedelta
    lease: timedelta
    overlap: timedelta

    @classmethod
    def of(cls, settings: Settings) -> "Schedule":
        return cls(
            base=timedelta(seconds=settings.webhook_retry_base_seconds),
            ceiling=timedelta(seconds=settings.webhook_retry_ceiling_seconds),
            deadline=timedelta(hours=settings.webhook_deadline_hours),
            lease=timedelta(seconds=settings.webhook_lease_seconds),
            overlap=timedelta(hours=settings.webhook_secret_overlap_hours),
        )


async def claim_due(
    database: Database, settings: Settings, *, worker: str, limit: int
) -> list[Claim]:
    """Lease up to `limit` due deliveries to `worker`. Those whose retry window closed
    before an attempt could be made are failed instead (nothing is sent)."""
    schedule = Schedule.of(settings)
    async with UnitOfWork(database, JOB, settings, write=True) as uow:
        now = utcnow()
        rows = await repo.due(uow.session, now, limit)
        late = [row.id for row in rows if _expired(row, now, schedule)]
        claimed = [row for row in rows if row.id not in late]
        if late:
            await repo.expire(uow.session, late, reason="deadline_passed_before_an_attempt")
        until = now + schedule.lease
        if claimed:
            await repo.lease(uow.session, [row.id for row in claimed], worker, until)
        await uow.commit()
    WEBHOOK_DELIVERIES.labels("expired").inc(len(late))
    return [_claim(row, now, until, schedule) for row in claimed]


def _expired(row: Any, now: datetime, schedule: Schedule) -> bool:
    """Its window closed with no attempt made in it. (One that was tried goes on: the
    schedule puts its last attempt at the deadline, and that attempt is made.)"""
    untried: bool = row.attempts == row.attempts_before_window
    closed: bool = now >= row.window_started_at + schedule.deadline
    return untried and closed


def _claim(row: Any, now: datetime, until: datetime, schedule: Schedule) -> Claim:
    event = Event(
        event_id=row.event_id,
        event_type=EventType(row.event_type),
        occurred_at=row.occurred_at,
        patient_id=row.patient_id,
        data=row.data,
    )
    current = WebhookSecret(row.secret)
    previous = WebhookSecret(row.previous_secret) if row.previous_secret else None
    secrets = signing_secrets(current, previous, row.rotated_at, now, schedule.overlap)
    return Claim(row.id, event, row.url, secrets, row.attempts + 1, until)


@dataclass(frozen=True, slots=True)
class Done:
    """An attempt made under a claim, to be recorded."""

    claim: Claim
    attempt: Attempt
    started_at: datetime


async def record(
    database: Database, settings: Settings, done: Sequence[Done], *, worker: str
) -> list[str]:
    """Store the attempts and each delivery's next state (delivered, pending again at the
    schedule's next time, or failed at the deadline), all in one transaction; each one's
    outcome. `claim_lost` (nothing stored) where the claim is no longer this worker's."""
    schedule = Schedule.of(settings)
    async with UnitOfWork(database, JOB, settings, write=True) as uow:
        held = await repo.held(uow.session, [d.claim.delivery_id for d in done], worker)
        now = utcnow()
        attempts, states, outcomes = [], [], []
        for item in done:
            row = held.get(item.claim.delivery_id)
            if row is None:
                outcomes.append("claim_lost")
                continue
            number = row.attempts + 1
            attempts.append(_attempt_row(item, number))
            state, outcome = _next_state(item.attempt, number, row, now, schedule)
            states.append({"id": row.id, "attempts": number, **state})
            outcomes.append(outcome)
        if attempts:
            await repo.add_attempts(uow.session, attempts)
            await repo.finish(uow.session, states)
            await uow.commit()
    for outcome in outcomes:
        WEBHOOK_DELIVERIES.labels(outcome).inc()
    return outcomes


def _attempt_row(done: Done, number: int) -> dict[str, Any]:
    attempt = done.attempt
    return {
        "id": new_id(),
        "delivery_id": done.claim.delivery_id,
        "number": number,
        "started_at": done.started_at,
        "status_code": attempt.status_code,
        "latency_ms": attempt.latency_ms,
        "response_excerpt": attempt.response_excerpt,
        "error_kind": None if attempt.error_kind is None else str(attempt.error_kind),
        "error_detail": attempt.error_detail,
    }


def _next_state(
    attempt: Attempt, number: int, held: Any, now: datetime, schedule: Schedule
) -> tuple[dict[str, Any], str]:
    # Every state names the same columns: the rows go out in one executemany UPDATE.
    last = {
        "last_status_code": attempt.status_code,
        "last_error": _error(attempt),
        "next_attempt_at": now,
        "delivered_at": None,
    }
    if attempt.delivered:
        return {**last, "status": DELIVERED, "delivered_at": now}, "delivered"
    later = next_attempt_at(
        number - held.attempts_before_window,  # the backoff restarts with a manual retry
        created_at=held.window_started_at,
        now=now,
        base=schedule.base,
        ceiling=schedule.ceiling,
        deadline=schedule.deadline,
        retry_after=attempt.retry_after,
    )
    if later is None:
        return {**last, "status": FAILED}, "failed"
    return {**last, "status": PENDING, "next_attempt_at": later}, "retry"


def _error(attempt: Attempt) -> str | None:
    if attempt.error_kind is None:
        return None
    detail = attempt.error_detail or (str(attempt.status_code) if attempt.status_code else "")
    return f"{attempt.error_kind}: {detail}"[:240] if detail else str(attempt.error_kind)


async def release(
    database: Database, settings: Settings, claims: Sequence[Claim], *, worker: str
) -> None:
    """Give back claims that will not be sent: claimable again at once."""
    if not claims:
        return
    async with UnitOfWork(database, JOB, settings, write=True) as uow:
        await repo.release(uow.session, [claim.delivery_id for claim in claims], worker)
        await uow.commit()
