"""Idempotency-Key on creating POSTs: the same key and body get the first answer again.

The key row is written in the request's own transaction, together with the record it
creates, so replicas sharing the database behave as one: a racing duplicate either finds
the committed answer or (PostgreSQL) waits on the key's unique index until the first
request ends. The same key with a different body is a 422.
"""

import hashlib
import json
from datetime import UTC, datetime, timedelta

from sqlalchemy.exc import IntegrityError

from app.errors import BadRequest, NotFound, Unprocessable
from app.models import IdempotencyKey
from app.repositories import base
from app.repositories import idempotency_keys as repo
from app.services.uow import StoredAnswer, UnitOfWork

MAX_KEY_LENGTH = 255


def fingerprint(method: str, path: str, body: bytes) -> str:
    """The request as the key promises it: method, path and the JSON body's content
    (key order and white space do not matter)."""
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":"))
    except RecursionError as exc:  # deeper than the parser goes: no request to remember
        raise BadRequest("the request body is nested too deeply") from exc
    except ValueError:
        canonical = body.decode("latin-1")
    return hashlib.sha256(f"{method} {path}\n{canonical}".encode()).hexdigest()


def check_key(key: str) -> None:
    if not 1 <= len(key) <= MAX_KEY_LENGTH or not key.isascii() or not key.isprintable():
        raise Unprocessable(
            f"Idempotency-Key must be 1-{MAX_KEY_LENGTH} printable ASCII characters",
            loc=("header", "Idempotency-Key"),
        )


async def claim(uow: UnitOfWork, *, key: str, request_hash: str) -> StoredAnswer | None:
    """Take the key for this request (None), or give back the answer it already got (the
    audit then names what that answer named)."""
    check_key(key)
    existing = await _live(uow, key)
    if existing is None:
        row = IdempotencyKey(actor=uow.actor, key=key, request_hash=request_hash)
        try:
            await base.insert(uow.session, row, may_collide=True)
            uow.idempotency_key = row
            return None
        except IntegrityError as exc:
            existing = await _live(uow, key)  # a concurrent request committed it first
            if existing is None:
                # The key's answer is about a patient the caller no longer sees (its
                # organizations changed): as for any record outside them, not found.
                raise NotFound("no record for this Idempotency-Key") from exc
    return _stored(uow, existing, request_hash)


def remember(uow: UnitOfWork, answer: StoredAnswer) -> None:
    """Store the answer with the key (committed with the record it describes)."""
    row = uow.idempotency_key
    if row is not None:
        row.status, row.response_body, row.location = answer.status, answer.body, answer.location
        row.resource_type = uow.audit.resource_type
        row.resource_id = uow.audit.resource_id
        row.patient_id = uow.audit.patient_id


async def purge(uow: UnitOfWork, now: datetime) -> int:
    return await repo.purge(uow.session, now - _retention(uow))


async def _live(uow: UnitOfWork, key: str) -> IdempotencyKey | None:
    row = await repo.get(uow.session, uow.scope, uow.actor, key)
    if row is not None and row.created_at < datetime.now(UTC) - _retention(uow):
        await repo.forget(uow.session, row)  # expired: the key may be used afresh
        return None
    return row


def _stored(uow: UnitOfWork, row: IdempotencyKey, request_hash: str) -> StoredAnswer:
    if row.request_hash != request_hash or row.status is None or row.response_body is None:
        raise Unprocessable(
            "this Idempotency-Key was used with a different request",
            loc=("header", "Idempotency-Key"),
        )
    uow.audit.resource_type = row.resource_type
    uow.audit.resource_id = row.resource_id
    uow.audit.patient_id = row.patient_id
    return StoredAnswer(row.status, row.response_body, row.location)


def _retention(uow: UnitOfWork) -> timedelta:
    return timedelta(hours=uow.settings.idempotency_retention_hours)
