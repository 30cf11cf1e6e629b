"""One delivery attempt: post one signed event to one URL and say what happened.

DNS rebinding: the URL is checked by ``vet_target`` (every address its host resolves to must be
public) and the request then goes to one of THOSE addresses: the request URL carries the vetted
IP, the ``Host`` header the original host, and TLS uses the host name for SNI and for the
certificate check (httpx's documented ``sni_hostname`` request extension). httpx never resolves
the name itself, so a second, different DNS answer cannot redirect the connection.
Proxies from the environment are ignored for the same reason (a proxy would resolve the name).
Each attempt uses a client of its own: a pooled connection opened for one host name must not
carry a request for another name served from the same IP.
"""

import asyncio
import codecs
import errno
import functools
import ssl
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

import httpx

from app.webhooks.retry import parse_retry_after
from app.webhooks.secret import WebhookSecret
from app.webhooks.signature import Event, signature_headers
from app.webhooks.targets import RefusalReason, Resolver, TargetRefused, VettedTarget, vet_target


class ErrorKind(StrEnum):
    """Why an attempt was not delivered."""

    DNS = "dns"  # the host did not resolve (in time)
    REFUSED_TARGET = "refused_target"  # the URL or an address it resolves to is not allowed
    CONNECT = "connect"  # no TCP connection to any vetted address
    TLS = "tls"  # handshake or certificate check failed
    TIMEOUT = "timeout"  # a connect/read/write/pool timeout, or the attempt's total time
    NETWORK = "network"  # the connection broke while sending or reading
    PROTOCOL = "protocol"  # the answer was not valid HTTP
    REDIRECT = "redirect"  # a 3xx: not followed (the subscription's URL should be updated)
    HTTP_STATUS = "http_status"  # any other status outside 2xx


@dataclass(frozen=True)
class DeliveryOptions:
    """How to send. Timeouts in seconds; the contract's setting is ``allow_private``
    (``TR_WEBHOOK_ALLOW_PRIVATE``: plain http and non-public addresses, for development)."""

    allow_private: bool = False
    connect_timeout: float = 5.0
    read_timeout: float = 15.0
    write_timeout: float = 10.0
    pool_timeout: float = 5.0
    # Bounds the whole attempt, DNS included: a receiver that trickles bytes slower than the
    # read timeout never trips it. Standard Webhooks recommends 15-30 s.
    total_timeout: float = 30.0
    resolve_timeout: float = 5.0
    response_excerpt_bytes: int = 1024
    user_agent: str = "treatment-records-webhooks/1"
    resolver: Resolver | None = None  # None: the system's getaddrinfo
    tls_context: ssl.SSLContext | None = None  # None: httpx's default (certifi CAs)


@dataclass(frozen=True)
class Attempt:
    """The outcome of one attempt, as the delivery log stores it. Never holds the secret,
    the signature, the body or the URL."""

    delivered: bool
    status_code: int | None
    latency_ms: int  # connect to end of excerpt; for a refused or unresolved URL, the check
    response_excerpt: str
    error_kind: ErrorKind | None
    error_detail: str | None = None  # e.g. "ReadTimeout", "CERTIFICATE_VERIFY_FAILED"
    retry_after: timedelta | None = None  # the receiver's Retry-After, for the schedule


async def send(
    event: Event,
    target: str,
    secrets: Sequence[WebhookSecret],
    options: DeliveryOptions = DeliveryOptions(),
) -> Attempt:
    """Check ``target`` again, then POST ``event`` signed with ``secrets`` (current first).

    2xx is delivered; anything else is not. Redirects are not followed. Network trouble is an
    ``Attempt`` with its ``error_kind``, never an exception.
    """
    started = time.monotonic()
    try:
        vetted = await vet_target(
            target,
            allow_private=options.allow_private,
            resolver=options.resolver,
            resolve_timeout=options.resolve_timeout,
        )
    except TargetRefused as refusal:
        unresolved = refusal.reason is RefusalReason.UNRESOLVABLE
        kind = ErrorKind.DNS if unresolved else ErrorKind.REFUSED_TARGET
        return _failure(kind, str(refusal.reason), started)
    body = event.body()
    headers = {
        **signature_headers(event.event_id, int(time.time()), body, secrets),
        "Content-Type": "application/json",
        "User-Agent": options.user_agent,
        # Raw bytes only: a compressed answer cannot expand in memory past the cap.
        "Accept-Encoding": "identity",
        "Host": vetted.host_header,
    }
    client = _client(options)
    remaining = options.total_timeout - (time.monotonic() - started)
    # Latency is the receiver's: from connecting to the end of the excerpt (or the failure).
    exchange_started = time.monotonic()
    try:
        async with client, asyncio.timeout(remaining):
            return await _post(client, vetted, body, headers, options, exchange_started)
    except (TimeoutError, httpx.HTTPError, httpx.InvalidURL, OSError) as error:
        return _failure(*_classify(error), exchange_started)


async def _post(
    client: httpx.AsyncClient,
    vetted: VettedTarget,
    body: bytes,
    headers: Mapping[str, str],
    options: DeliveryOptions,
    started: float,
) -> Attempt:
    """Try the vetted addresses in order until one accepts a connection; the last one's
    error is the attempt's."""
    *others, last = vetted.addresses
    for address in others:
        try:
            return await _exchange(client, vetted, address, body, headers, options, started)
        except (httpx.ConnectError, httpx.ConnectTimeout):
            continue  # nothing was sent: the next address cannot cause a duplicate
    return await _exchange(client, vetted, last, body, headers, options, started)


async def _exchange(
    client: httpx.AsyncClient,
    vetted: VettedTarget,
    address: str,
    body: bytes,
    headers: Mapping[str, str],
    options: DeliveryOptions,
    started: float,
) -> Attempt:
    """One POST to one vetted address, reading at most the excerpt of the answer."""
    extensions = {"sni_hostname": vetted.sni_hostname} if vetted.sni_hostname else {}
    request = client.build_request(
        "POST", vetted.url_for(address), content=body, headers=headers, extensions=extensions
    )
    response = await client.send(request, stream=True)
    try:
        excerpt = await _read_excerpt(response, options.response_excerpt_bytes)
    finally:
        await response.aclose()
    return _answered(response, excerpt, started)


_CONTROL_CHARACTERS = {code: "\ufffd" for code in (*range(0x20), 0x7F) if chr(code) not in "\t\n\r"}


async def _read_excerpt(response: httpx.Response, cap: int) -> str:
    """At most ``cap`` bytes of the body, decoded as UTF-8 with replacement characters, with
    control characters replaced (PostgreSQL text refuses NUL). Reading stops at the cap."""
    kept = bytearray()
    async for chunk in response.aiter_raw():
        kept += chunk[: cap - len(kept)]
        if len(kept) >= cap:
            break
    # final=False drops a character cut in half at the cap instead of garbling it.
    text = codecs.getincrementaldecoder("utf-8")(errors="replace").decode(bytes(kept))
    return text.translate(_CONTROL_CHARACTERS)


def _answered(response: httpx.Response, excerpt: str, started: float) -> Attempt:
    status = response.status_code
    kind = None
    if status // 100 == 3:
        kind = ErrorKind.REDIRECT
    elif status // 100 != 2:
        kind = ErrorKind.HTTP_STATUS
    return Attempt(
        delivered=kind is None,
        status_code=status,
        latency_ms=_elapsed_ms(started),
        response_excerpt=excerpt,
        error_kind=kind,
        retry_after=parse_retry_after(response.headers.get("Retry-After"), datetime.now(UTC)),
    )


def _classify(error: BaseException) -> tuple[ErrorKind, str]:
    """The kind and a short detail (an exception or error name, never its message, which
    may quote the URL)."""
    if isinstance(error, httpx.TimeoutException):
        return ErrorKind.TIMEOUT, type(error).__name__
    if isinstance(error, TimeoutError):
        return ErrorKind.TIMEOUT, "total_timeout"
    if isinstance(error, httpx.ConnectError):
        tls = _tls_reason(error)
        if tls is not None:
            return ErrorKind.TLS, tls
        return ErrorKind.CONNECT, _os_error_name(error)
    if isinstance(error, httpx.ProtocolError):
        return ErrorKind.PROTOCOL, type(error).__name__
    return ErrorKind.NETWORK, type(error).__name__


def _chain(error: BaseException) -> Iterator[BaseException]:
    """The error and everything it was raised from, groups included: httpx and httpcore
    re-raise ``from exc``, and anyio groups one OSError per address it tried."""
    pending, seen = [error], set()
    while pending:
        current = pending.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        if isinstance(current, BaseExceptionGroup):
            pending.extend(current.exceptions)
        pending.extend(link for link in (current.__cause__, current.__context__) if link)


def _tls_reason(error: BaseException) -> str | None:
    for cause in _chain(error):
        if isinstance(cause, ssl.SSLError):
            return str(cause.reason or type(cause).__name__)
    return None


def _os_error_name(error: BaseException) -> str:
    for cause in _chain(error):
        if isinstance(cause, OSError) and cause.errno is not None:
            return errno.errorcode.get(cause.errno, f"errno {cause.errno}")
    return type(error).__name__


def _failure(kind: ErrorKind, detail: str, started: float) -> Attempt:
    return Attempt(
        delivered=False,
        status_code=None,
        latency_ms=_elapsed_ms(started),
        response_excerpt="",
        error_kind=kind,
        error_detail=detail,
    )


def _elapsed_ms(started: float) -> int:
    return round((time.monotonic() - started) * 1000)


def _client(options: DeliveryOptions) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        timeout=httpx.Timeout(
            connect=options.connect_timeout,
            read=options.read_timeout,
            write=options.write_timeout,
            pool=options.pool_timeout,
        ),
        follow_redirects=False,
        trust_env=False,
        verify=options.tls_context or _default_tls_context(),
        limits=httpx.Limits(max_connections=1, max_keepalive_connections=0),
    )


@functools.cache
def _default_tls_context() -> ssl.SSLContext:
    """Built once: loading the CA bundle costs milliseconds on every new context."""
    return httpx.create_ssl_context()
