"""Request dependencies: settings, auth, the unit of work (session + audit), paging, If-Match."""

import asyncio
import contextlib
import re
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any

import anyio
from fastapi import Depends, Header, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.exceptions import HTTPException

from app.api.middleware import client_ip
from app.api.problems import is_transient
from app.db import WRITE
from app.errors import DomainError, Replay
from app.metrics import AUDIT_FAILURES
from app.repositories.patient_records import PageRequest
from app.security import IdentityProviderUnavailable, InvalidToken, Principal, TokenVerifier
from app.services import audit, idempotency, status
from app.services.unit import Unit

bearer = HTTPBearer(auto_error=False, description="JWT with the scopes listed per operation")


async def principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(401, "a bearer token is required", challenge())
    verifier: TokenVerifier = request.app.state.verifier
    try:
        if request.app.state.settings.jwks_url:
            # PyJWKClient fetches keys with blocking I/O: keep it off the event loop.
            return await anyio.to_thread.run_sync(verifier.verify, credentials.credentials)
        return verifier.verify(credentials.credentials)
    except InvalidToken as exc:
        raise HTTPException(401, str(exc), challenge(error="invalid_token")) from exc
    except IdentityProviderUnavailable as exc:
        raise HTTPException(503, str(exc), {"Retry-After": "5"}) from exc


def challenge(**attributes: str) -> dict[str, str]:
    """WWW-Authenticate of RFC 6750: `error` (and `scope`) tell a client what to fix."""
    params = ", ".join(f'{name}="{value}"' for name, value in attributes.items())
    value = 'Bearer realm="treatment-records"' + (f", {params}" if params else "")
    return {"WWW-Authenticate": value}


def require(*scopes: str) -> Callable[..., Any]:
    async def check(who: Annotated[Principal, Depends(principal)]) -> Principal:
        if not who.has_any(*scopes):
            raise HTTPException(
                403,
                f"this operation needs one of the scopes: {', '.join(scopes)}",
                challenge(error="insufficient_scope", scope=" ".join(scopes)),
            )
        return who

    return check


def _unit_of_work(*scopes: str, writes: bool) -> Callable[..., AsyncIterator[Unit]]:
    async def unit(
        request: Request, who: Annotated[Principal, Depends(require(*scopes))]
    ) -> AsyncIterator[Unit]:
        factory: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
        turn = request.app.state.write_turn
        async with factory() as session, contextlib.AsyncExitStack() as held:
            work = Unit(session=session, actor=who.sub, settings=request.app.state.settings)
            try:
                if writes:
                    await held.enter_async_context(turn)
                    await session.connection(execution_options=WRITE)
                    await _claim_idempotency_key(request, work)
                else:
                    await audit.relax_read_commit(work)
                yield work
                if not writes and work.settings.is_sqlite:
                    # SQLite cannot turn a read snapshot into a write while another writer
                    # holds the lock ("database is locked" at once): the read ends, and its
                    # audit event takes the write lock in its own transaction, in turn.
                    await session.commit()
                    await held.enter_async_context(turn)
                    await session.connection(execution_options=WRITE)
                if work.changed_patients:
                    await status.materialise(work)
                await audit.append(work, _audit_event(request, work, work.audit.status))
                await session.commit()
            except Exception as exc:
                await session.rollback()
                await _audit_failure(factory, request, work, exc)
                raise

    return unit


class WriteTurn:
    """SQLite admits one writer at a time; inside one process, writers queue here in order
    (an asyncio lock) rather than polling the file lock with back-off sleeps, which gave
    second-long tails under load. Other processes still wait on the busy timeout. On
    PostgreSQL it is a no-op: writers of one patient are serialised by a row lock."""

    def __init__(self, sqlite: bool) -> None:
        self._lock = asyncio.Lock() if sqlite else None

    async def __aenter__(self) -> None:
        if self._lock is not None:
            await self._lock.acquire()

    async def __aexit__(self, *_: object) -> None:
        if self._lock is not None:
            self._lock.release()


async def _claim_idempotency_key(request: Request, work: Unit) -> None:
    key = request.headers.get("idempotency-key")
    if key is not None and request.method == "POST":
        digest = idempotency.fingerprint(request.method, request.url.path, await request.body())
        await idempotency.claim(work, key, digest)


async def _audit_failure(
    factory: async_sessionmaker[AsyncSession], request: Request, work: Unit, exc: Exception
) -> None:
    if is_transient(exc):
        return  # the database is unreachable or busy: a second wait would double the 503's
    status = exc.status if isinstance(exc, DomainError | Replay) else 500
    status = 422 if isinstance(exc, RequestValidationError) else getattr(exc, "status_code", status)
    if work.audit.patient_id is None and "patient_id" in request.path_params:
        with contextlib.suppress(ValueError):
            work.audit.patient_id = uuid.UUID(request.path_params["patient_id"])
    try:
        async with factory() as session, session.begin():
            await audit.append(
                Unit(session=session, actor=work.actor, settings=work.settings),
                _audit_event(request, work, status),
            )
    except Exception:
        AUDIT_FAILURES.inc()


def _audit_event(request: Request, work: Unit, status: int) -> dict[str, Any]:
    target = work.audit
    return {
        "actor": work.actor,
        "method": request.method,
        "path": request.url.path[:500],
        "resource_type": target.resource_type,
        "resource_id": target.resource_id,
        "patient_id": target.patient_id,
        "status": status,
        "request_id": request.state.request_id,
        "client": client_ip(request.scope),
    }


# One transaction per request, committed before the response is sent (scope="function").
ReadUnit = Annotated[Unit, Depends(_unit_of_work("records:read", writes=False), scope="function")]
WriteUnit = Annotated[Unit, Depends(_unit_of_work("records:write", writes=True), scope="function")]
LabWriteUnit = Annotated[
    Unit, Depends(_unit_of_work("records:write", "labs:write", writes=True), scope="function")
]
AuditUnit = Annotated[Unit, Depends(_unit_of_work("audit:read", writes=False), scope="function")]
AnyCaller = Annotated[
    Principal,
    Depends(require("records:read", "records:write", "labs:write", "audit:read")),
]


def cursor_page(
    limit: Annotated[int, Query(ge=1, le=500, description="page size")] = 50,
    cursor: Annotated[str | None, Query(max_length=500, description="from next_cursor")] = None,
) -> PageRequest:
    return PageRequest(cursor=cursor, limit=limit)


def page_request(
    base: Annotated[PageRequest, Depends(cursor_page)],
    include_entered_in_error: Annotated[
        bool, Query(description="also list records entered in error")
    ] = False,
) -> PageRequest:
    return PageRequest(base.cursor, base.limit, include_in_error=include_entered_in_error)


CursorPage = Annotated[PageRequest, Depends(cursor_page)]
Paging = Annotated[PageRequest, Depends(page_request)]
_ETAG = re.compile(r'^\s*(?:W/)?"(\d{1,9})"\s*$')


def if_match(
    value: Annotated[
        str | None,
        Header(alias="If-Match", description='the ETag read before, e.g. W/"3"', max_length=64),
    ] = None,
) -> int | None:
    if value is None or value.strip() == "*":
        return None
    found = _ETAG.match(value)
    if found is None:
        raise HTTPException(400, 'If-Match must be an ETag such as W/"3"')
    return int(found.group(1))


IfMatch = Annotated[int | None, Depends(if_match)]


def idempotency_key_header(
    key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            max_length=255,
            description="repeat a creating POST safely: the same key and body get the first "
            "answer again (24 h by default); the same key with another body is a 422",
        ),
    ] = None,
) -> None:
    """Documents and bounds the header; the unit of work claims it in its transaction."""


Idempotent = Depends(idempotency_key_header)
