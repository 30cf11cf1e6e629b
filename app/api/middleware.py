"""Pure ASGI middleware: request id, per-route metrics, one JSON log line per request."""

import functools
import ipaddress
import logging
import re
import time
import traceback
from typing import Any

from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uuid_utils import uuid4  # a C implementation: a fifteenth of the stdlib's cost

from app.api.problems import problem
from app.metrics import LATENCY, REQUESTS

log = logging.getLogger("app.access")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
# Every answer under these prefixes may carry patient data: no cache keeps a copy.
PATIENT_DATA_PREFIXES = ("/v1/", "/fhir", "/hl7v2/")


def client_ip(scope: Scope) -> str | None:
    """The caller's address for the audit trail: the socket peer, or what a trusted proxy
    said (ProxyHeadersMiddleware); anything that is not an IP address is not recorded."""
    client = scope.get("client")
    return _ip_address(client[0]) if client else None


@functools.lru_cache(maxsize=4096)
def _ip_address(host: str) -> str | None:
    """The address in its canonical form (parsed once per address: callers come back)."""
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return None


class RequestContext:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _request_id(scope)
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = 0

        no_store = scope["path"].startswith(PATIENT_DATA_PREFIXES)

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                extra = [(b"x-request-id", request_id.encode())]
                if no_store:
                    extra.append((b"cache-control", b"no-store"))
                token = scope["state"].get("consistency_token")  # a write's WAL position
                if token:
                    extra.append((b"x-consistency-token", token.encode()))
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception as exc:
            # Logged by type and frames only (a message can quote patient data), answered
            # with a 500 problem, and not re-raised (the server would log the message).
            frames = "".join(traceback.format_tb(exc.__traceback__))
            log.error("unhandled %s (request %s)\n%s", type(exc).__name__, request_id, frames)
            if status == 0:
                await problem(500, "internal error; it has been logged")(
                    scope, receive, send_with_id
                )
        finally:
            _observe(scope, status, time.perf_counter() - started, request_id)


def _request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name == b"x-request-id":
            candidate = value.decode("latin-1")
            if _REQUEST_ID.match(candidate):
                return str(candidate)
    return uuid4().hex


def _observe(scope: Scope, status: int, seconds: float, request_id: str) -> None:
    route: Any = scope.get("route")
    template = getattr(route, "path", None) or "unmatched"
    method = scope["method"]
    REQUESTS.labels(method, template, str(status)).inc()
    LATENCY.labels(method, template, str(status)).observe(seconds)
    # Route template, never the concrete path: paths carry record ids.
    log.info(
        "request",
        extra={
            "method": method,
            "route": template,
            "status": status,
            "duration_ms": round(seconds * 1000, 2),
            "request_id": request_id,
        },
    )


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request bodies are limited to {limit} bytes")


def too_large(limit: int) -> Response:
    return problem(413, f"request bodies are limited to {limit} bytes")


class BodyLimit:
    """Refuses bodies over the limit with 413, by Content-Length up front or by counting a
    streamed body, so an oversized request is never read into memory."""

    def __init__(self, app: ASGIApp, max_bytes: int, streamed: tuple[str, ...] = ()) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.streamed = frozenset(streamed)  # paths that read their body a piece at a time

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.streamed:
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            refusal = too_large(self.max_bytes)
            await refusal(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                raise BodyTooLarge(self.max_bytes)
            return message

        await self.app(scope, counted, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None
