"""Request dependencies: settings, auth, the unit of work (session + audit), paging, If-Match."""

import contextlib
import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.types import Scope

from app.api.middleware import client_ip
from app.config import Settings
from app.errors import DomainError
from app.schemas.common import PageRequest
from app.security import (
    IdentityProviderUnavailable,
    InvalidToken,
    Principal,
    TokenVerifier,
    unverified_subject,
)
from app.services import idempotency, tenancy
from app.services.uow import Origin, UnitOfWork

bearer = HTTPBearer(auto_error=False, description="JWT with the scopes listed per operation")
# The bearer token as sent (None: none): what every door's auth dependency reads.
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


async def principal(
    request: Request,
    credentials: Credentials,
) -> Principal:
    """The caller the request's bearer token names (401 without a valid one)."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(401, "a bearer token is required", challenge())
    verifier: TokenVerifier = request.app.state.verifier
    try:
        if request.app.state.settings.jwks_url:
            # PyJWKClient fetches keys with blocking I/O: keep it off the event loop.
            return await anyio.to_thread.run_sync(verifier.verify, credentials.credentials)
        return verifier.verify(credentials.credentials)
    except InvalidToken as exc:
        refusal = HTTPException(401, str(exc), challenge(error="invalid_token"))
        claimed = unverified_subject(credentials.credentials)
        if claimed is not None:  # a refused token that names someone is worth an audit row
            await _audit_refusal(request, Principal(sub=claimed, scopes=frozenset()), refusal)
        raise refusal from exc
    except IdentityProviderUnavailable as exc:
        raise HTTPException(503, str(exc), {"Retry-After": "5"}) from exc


def challenge(**attributes: str) -> dict[str, str]:
    """WWW-Authenticate of RFC 6750: `error` (and `scope`) tell a client what to fix."""
    params = ", ".join(f'{name}="{value}"' for name, value in attributes.items())
    value = 'Bearer realm="treatment-records"' + (f", {params}" if params else "")
    return {"WWW-Authenticate": value}


def require(*scopes: str) -> Callable[..., Any]:
    async def check(request: Request, credentials: Credentials) -> Principal:
        return await authorized(request, credentials, scopes)

    return check


async def authorized(
    request: Request, credentials: HTTPAuthorizationCredentials | None, scopes: tuple[str, ...]
) -> Principal:
    """The caller (`principal`), admitted to an operation that needs one of `scopes` (403
    otherwise, audited). One dependency with `bearer` under it, not a chain: FastAPI
    resolves each level of a chain anew on every request."""
    who = await principal(request, credentials)
    refusal = _refusal(who, request.app.state.settings, scopes)
    if refusal is not None:
        await _audit_refusal(request, who, refusal)
        raise refusal
    return who


def _refusal(who: Principal, settings: Settings, scopes: tuple[str, ...]) -> HTTPException | None:
    if not who.has_any(*scopes):
        return HTTPException(
            403,
            f"this operation needs one of the scopes: {', '.join(scopes)}",
            challenge(error="insufficient_scope", scope=" ".join(scopes)),
        )
    if not tenancy.admits(who, settings):
        return HTTPException(
            403,
            f"this service keeps several organizations' patients: the token must name the "
            f"caller's in its {settings.jwt_orgs_claim!r} claim",
            challenge(error="insufficient_scope"),
        )
    return None


async def _audit_refusal(request: Request, who: Principal, refusal: HTTPException) -> None:
    """A request refused at the door is audited with its outcome, like any other."""
    state = request.app.state
    uow = UnitOfWork(state.database, who, state.settings, origin=_origin(request))
    uow.audit.patient_id = _path_patient(request)
    await uow.record_failure(refusal.status_code, error=refusal)


def _unit_of_work(
    *scopes: str, write: bool, idempotent: bool = True, replica: bool = False
) -> Callable[..., Awaitable[UnitOfWork]]:
    """The request's unit of work, committed before the response is sent; a request that
    fails is rolled back and audited with the status it is answered with. `idempotent`: a
    writer claims the request's Idempotency-Key. `replica`: a read the read replica may
    serve (TR_DATABASE_READ_URL), honouring the X-Consistency-Token sent back.

    A plain dependency that opens it, not a generator dependency: its route (a
    UnitOfWorkRoute) ends it around the endpoint. FastAPI's machinery for a generator
    dependency (cancel scopes, a shielded exit, an exit stack) cost about a tenth of a
    patient read's CPU."""

    @contextlib.asynccontextmanager
    async def run(request: Request, credentials: Credentials) -> AsyncIterator[UnitOfWork]:
        who = await authorized(request, credentials, scopes)
        state = request.app.state
        uow = UnitOfWork(
            state.database,
            who,
            state.settings,
            write=write,
            origin=_origin(request),
            replica=replica,
            token=consistency_token(request) if replica else None,
        )
        try:
            async with uow:
                if write and idempotent:
                    await _claim_idempotency_key(request, uow)
                yield uow
                await uow.commit()
            if uow.consistency_token is not None:  # the middleware puts it on the answer
                request.state.consistency_token = uow.consistency_token
        except Exception as exc:
            if uow.audit.patient_id is None:
                uow.audit.patient_id = _path_patient(request)
            await uow.record_failure(_status_of(exc), error=exc)
            raise

    async def open_uow(request: Request, credentials: Credentials) -> UnitOfWork:
        state = request.scope["state"]
        if not isinstance(request.scope.get("route"), UnitOfWorkRoute) or _OPENED in state:
            raise RuntimeError("a unit of work is opened once, by a UnitOfWorkRoute's request")
        opened = run(request, credentials)
        uow = await opened.__aenter__()
        state[_OPENED] = opened
        return uow

    return open_uow


_OPENED = "tr_unit_of_work"


class UnitOfWorkRoute(APIRoute):
    """A route whose request's unit of work (opened by one of the dependencies below) is
    ended around the endpoint: committed once the answer is built and before it is sent
    (a failed commit is the answer), or, when the endpoint or a dependency raised, rolled
    back and audited with that error, which then goes on to the error handlers. Its end is
    not shielded from cancellation, as FastAPI shields a generator dependency's: nothing
    cancels a request's task but a server stopped past its grace period, and a cancelled
    unit of work is rolled back, its request unanswered."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                response = await handler(request)
            except BaseException as exc:
                opened = request.scope["state"].pop(_OPENED, None)
                if opened is not None:  # it re-raises the error, or raises what ending failed
                    await opened.__aexit__(type(exc), exc, exc.__traceback__)
                raise
            opened = request.scope["state"].pop(_OPENED, None)
            if opened is not None:
                await opened.__aexit__(None, None, None)
            return response

        return handle


def api_router(**options: Any) -> APIRouter:
    """An APIRouter whose routes end their units of work (UnitOfWorkRoute)."""
    return APIRouter(route_class=UnitOfWorkRoute, **options)


_LSN = re.compile(r"^[0-9A-Fa-f]{1,8}/[0-9A-Fa-f]{1,8}$")


def consistency_token(request: Request) -> str | None:
    """The X-Consistency-Token a write answered with, sent back by a read (a WAL position)."""
    value = request.headers.get("x-consistency-token")
    if value is not None and not _LSN.match(value.strip()):
        raise HTTPException(400, "X-Consistency-Token must be a token a write answered with")
    return None if value is None else value.strip()


def origin_of(request: Request) -> Origin:
    """The request as its audit events name it (for work that opens its own units of work)."""
    return _origin(request)


def _origin(request: Request) -> Origin:
    scope = request.scope  # read off the scope: `request.url` builds a whole URL per request
    return Origin(
        method=scope["method"],
        path=_path(scope),
        request_id=scope["state"]["request_id"],
        client=client_ip(scope),
        query=scope["query_string"].decode("utf-8", "replace"),
    )


def _path(scope: Scope) -> str:
    """The request's path as `request.url.path` gives it (these three characters escaped)."""
    path: str = scope["path"]
    return path.replace("?", "%3F").replace("#", "%23").replace("\\", "%5C")


def _status_of(exc: Exception) -> int:
    """The status the error handlers answer this exception with."""
    if isinstance(exc, RequestValidationError):
        return 422
    if isinstance(exc, HTTPException):
        return exc.status_code
    if isinstance(exc, DomainError):
        return exc.status
    # The FHIR face's own errors carry the status they are answered with.
    status = getattr(exc, "status", None)
    return status if isinstance(status, int) else 500


def _path_patient(request: Request) -> uuid.UUID | None:
    """The patient a refused or failed request named in its path (a patient's own id under
    /v1/patients/{record_id})."""
    params = request.path_params
    route = getattr(request.scope.get("route"), "path", "")
    raw = params.get("patient_id")
    if raw is None and route.startswith("/v1/patients/{record_id}"):
        raw = params.get("record_id")
    with contextlib.suppress(TypeError, ValueError):
        return uuid.UUID(raw)
    return None


async def _claim_idempotency_key(request: Request, uow: UnitOfWork) -> None:
    """Claimed in the request's transaction; a key that already has its answer puts it on
    the uow, and the creating route gives that answer instead of running (responses.py)."""
    key = request.headers.get("idempotency-key")
    if key is not None and request.method == "POST":
        digest = idempotency.fingerprint(request.method, _path(request.scope), await request.body())
        uow.replay = await idempotency.claim(uow, key=key, request_hash=digest)


# One transaction per request, committed before the response is sent (UnitOfWorkRoute).
ReadUoW = Annotated[
    UnitOfWork,
    Depends(_unit_of_work("records:read", write=False, replica=True)),
]
WriteUoW = Annotated[UnitOfWork, Depends(_unit_of_work("records:write", write=True))]
# A bulk export's status and files: read on the primary, where its worker writes them (a
# FHIR client polling the kick-off's Content-Location sends no X-Consistency-Token).
JobReadUoW = Annotated[UnitOfWork, Depends(_unit_of_work("records:read", write=False))]
# A FHIR $export kick-off: a reader, whose request stores its job.
ExportUoW = Annotated[UnitOfWork, Depends(_unit_of_work("records:read", write=True))]
LabWriteUoW = Annotated[
    UnitOfWork, Depends(_unit_of_work("records:write", "labs:write", write=True))
]
# A what-if: a reader whose hypothetical records are written inside a savepoint and rolled
# back (so on SQLite it needs the write turn); it stores nothing, so it claims no key.
WhatIfUoW = Annotated[
    UnitOfWork,
    Depends(_unit_of_work("records:read", write=True, idempotent=False)),
]
AuditUoW = Annotated[UnitOfWork, Depends(_unit_of_work("audit:read", write=False))]
# Subscriptions (webhooks) are the admin's: reads and writes alike need that scope.
AdminReadUoW = Annotated[UnitOfWork, Depends(_unit_of_work("admin", write=False))]
AdminUoW = Annotated[UnitOfWork, Depends(_unit_of_work("admin", write=True))]
AnyCaller = Annotated[
    Principal,
    Depends(require("records:read", "records:write", "labs:write", "audit:read")),
]


async def cursor_page(
    limit: Annotated[int, Query(ge=1, le=500, description="page size")] = 50,
    cursor: Annotated[str | None, Query(max_length=500, description="from next_cursor")] = None,
) -> PageRequest:
    return PageRequest(cursor=cursor, limit=limit)


async def page_request(
    base: Annotated[PageRequest, Depends(cursor_page)],
    include_entered_in_error: Annotated[
        bool, Query(description="also list records entered in error")
    ] = False,
) -> PageRequest:
    return PageRequest(base.cursor, base.limit, include_in_error=include_entered_in_error)


# The dependencies here are `async def` though they await nothing: FastAPI runs a plain
# `def` dependency in its thread pool, a hand-off per request that costs more than the work.
CursorPage = Annotated[PageRequest, Depends(cursor_page)]
Paging = Annotated[PageRequest, Depends(page_request)]
_ETAG = re.compile(r'^\s*(?:W/)?"(\d{1,9})"\s*$')


async def if_match(
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


async def idempotency_key_header(
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
