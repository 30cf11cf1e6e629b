"""Where a webhook may go: the URL's form and every address its host resolves to.

One check serves both moments the contract names: when a subscription is created or its URL
changed (refuse with 422), and right before each delivery (the delivery then connects to one
of the addresses this check returned, never to a fresh lookup: see ``delivery``).
"""

import asyncio
import socket
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum

import httpx

from app.webhooks.addresses import IPAddress, is_public, parse_address

MAX_URL_LENGTH = 2048
DEFAULT_PORTS = {"http": 80, "https": 443}

Resolver = Callable[[str, int], Awaitable[Sequence[str]]]
"""Host name and port -> the IP addresses (text) a connection could go to."""


class RefusalReason(StrEnum):
    INVALID_URL = "invalid_url"
    SCHEME = "scheme"
    HTTPS_REQUIRED = "https_required"
    USERINFO = "userinfo"
    UNRESOLVABLE = "unresolvable"
    NON_PUBLIC_ADDRESS = "non_public_address"


_DETAILS = {
    RefusalReason.INVALID_URL: "the URL cannot be parsed or has no host",
    RefusalReason.SCHEME: "the URL must be http or https",
    RefusalReason.HTTPS_REQUIRED: "the URL must be https",
    RefusalReason.USERINFO: "the URL must not carry a user name or password",
    RefusalReason.UNRESOLVABLE: "the URL's host does not resolve",
    RefusalReason.NON_PUBLIC_ADDRESS: "the URL's host is or resolves to a non-public address",
}


class TargetRefused(ValueError):
    """The URL may not receive webhooks. The message names the rule, never the URL (which
    may carry a receiver's token in its query)."""

    def __init__(self, reason: RefusalReason) -> None:
        super().__init__(_DETAILS[reason])
        self.reason = reason


@dataclass(frozen=True)
class VettedTarget:
    """A URL that passed the check, with every address it resolved to (all of them allowed)."""

    url: httpx.URL
    hostname: str
    port: int
    addresses: tuple[str, ...]

    @property
    def host_header(self) -> str:
        """``Host`` as the URL names it (IDNA-encoded, port only when not the default)."""
        return self.url.netloc.decode("ascii")

    @property
    def sni_hostname(self) -> str | None:
        """The TLS server name: the URL's host name without a trailing dot (RFC 6066, 3);
        None for http and for an IP literal (RFC 6066 forbids addresses in SNI; the
        certificate is then checked against the IP)."""
        if self.url.scheme != "https" or parse_address(self.hostname) is not None:
            return None
        return self.hostname.rstrip(".")

    def url_for(self, address: str) -> httpx.URL:
        """The URL with its host replaced by ``address``: where the connection goes."""
        return self.url.copy_with(host=address)


def check_url(url: str, *, allow_private: bool) -> httpx.URL:
    """The URL's form alone (no DNS): http(s), https unless ``allow_private``, a host,
    no userinfo. Parsed by httpx, the client that will send, so both read it the same way."""
    if len(url) > MAX_URL_LENGTH:
        raise TargetRefused(RefusalReason.INVALID_URL)
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError):
        raise TargetRefused(RefusalReason.INVALID_URL) from None
    if parsed.scheme not in DEFAULT_PORTS:
        raise TargetRefused(RefusalReason.SCHEME)
    if parsed.scheme != "https" and not allow_private:
        raise TargetRefused(RefusalReason.HTTPS_REQUIRED)
    if not parsed.raw_host:
        raise TargetRefused(RefusalReason.INVALID_URL)
    if parsed.userinfo:
        raise TargetRefused(RefusalReason.USERINFO)
    return parsed


async def vet_target(
    url: str,
    *,
    allow_private: bool,
    resolver: Resolver | None = None,
    resolve_timeout: float = 5.0,
) -> VettedTarget:
    """Check the URL's form, resolve its host, and refuse when ANY address is not public
    (unless ``allow_private``). A literal IP host is checked the same way, without DNS.

    Raises :class:`TargetRefused`; its ``reason`` is ``UNRESOLVABLE`` when DNS failed.
    """
    parsed = check_url(url, allow_private=allow_private)
    hostname = parsed.raw_host.decode("ascii")
    port = parsed.port or DEFAULT_PORTS[parsed.scheme]
    addresses = await _addresses(hostname, port, resolver or system_resolver, resolve_timeout)
    if not allow_private and not all(is_public(address) for address in addresses.values()):
        raise TargetRefused(RefusalReason.NON_PUBLIC_ADDRESS)
    return VettedTarget(parsed, hostname, port, tuple(addresses))


async def system_resolver(host: str, port: int) -> list[str]:
    """The operating system's answer (``getaddrinfo`` in the loop's executor)."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


async def _addresses(
    hostname: str, port: int, resolver: Resolver, resolve_timeout: float
) -> dict[str, IPAddress]:
    """Resolved addresses in the resolver's order, without repeats, each parsed."""
    literal = parse_address(hostname)
    if literal is not None:
        return {hostname: literal}
    try:
        async with asyncio.timeout(resolve_timeout):
            answers = await resolver(hostname, port)
    except (OSError, TimeoutError):
        raise TargetRefused(RefusalReason.UNRESOLVABLE) from None
    addresses: dict[str, IPAddress] = {}
    for answer in answers:
        address = parse_address(answer)
        if address is None:
            raise TargetRefused(RefusalReason.UNRESOLVABLE)
        addresses[answer] = address
    if not addresses:
        raise TargetRefused(RefusalReason.UNRESOLVABLE)
    return addresses
