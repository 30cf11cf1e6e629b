"""Which IP addresses a webhook may be sent to: public unicast only.

Refused: private, loopback, link-local, multicast, reserved, unspecified, shared address space
(CGNAT, 100.64.0.0/10, RFC 6598), IPv6 site-local and anything ``ipaddress`` does not call
global (documentation, benchmarking ranges and the rest of the IANA special-purpose registries).
An IPv6 address that carries an IPv4 one is judged by that IPv4 address too: IPv4-mapped
(``::ffff:0:0/96``), NAT64 (``64:ff9b::/96``, RFC 6052), 6to4 (``2002::/16``, RFC 3056) and
Teredo (``2001::/32``, RFC 4380). The deprecated IPv4-compatible form (``::/96``) and the
local-use NAT64 prefix (``64:ff9b:1::/48``, RFC 8215) are refused outright.
"""

from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address

IPAddress = IPv4Address | IPv6Address

_SHARED_ADDRESS_SPACE = IPv4Network("100.64.0.0/10")
_NAT64_WELL_KNOWN = IPv6Network("64:ff9b::/96")
_REFUSED_V6 = (
    IPv6Network("::/96"),  # IPv4-compatible (deprecated) and ::, ::1
    IPv6Network("64:ff9b:1::/48"),  # local-use NAT64: translates into private networks
    IPv6Network("fec0::/10"),  # site-local (deprecated); not "private" on every Python
)


def is_public(address: IPAddress) -> bool:
    """True when ``address`` is a global unicast address (see the module docstring)."""
    if isinstance(address, IPv4Address):
        return _public_v4(address)
    # IPv4-mapped and NAT64 are notations for an IPv4 destination: that address decides
    # (ipaddress calls both "reserved", which would refuse a public host behind DNS64).
    if address.ipv4_mapped is not None:
        return _public_v4(address.ipv4_mapped)
    if address in _NAT64_WELL_KNOWN:
        return _public_v4(IPv4Address(int(address) & 0xFFFF_FFFF))
    if any(address in network for network in _REFUSED_V6):
        return False
    embedded = [address.sixtofour, *(address.teredo or ())]
    return _public_common(address) and all(
        _public_v4(inner) for inner in embedded if inner is not None
    )


def parse_address(text: str) -> IPAddress | None:
    """The address written in ``text`` (IPv6 may carry a ``%scope``), or None if it is a name."""
    try:
        return ip_address(text)
    except ValueError:
        return None


def _public_v4(address: IPv4Address) -> bool:
    return _public_common(address) and address not in _SHARED_ADDRESS_SPACE


def _public_common(address: IPAddress) -> bool:
    # is_global alone lets IPv4 multicast through on Python 3.11: list every property.
    refused = (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or (isinstance(address, IPv6Address) and address.is_site_local)
    )
    return address.is_global and not refused
