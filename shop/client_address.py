"""The client's address: one definition for the API's throttles and the login limits.

The peer of the socket is the only address a client cannot choose. `X-Forwarded-For` is
a claim anyone can send, so it is believed only as far as our own proxies wrote it: when
the peer is one of `SHOP_TRUSTED_PROXIES`, the header is read from the right (each proxy
appends the address it saw) past our own proxies, and the first address that is not one
of them is the client's. With no trusted proxies the header is ignored.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Iterable

from django.conf import settings
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def client_address(request: HttpRequest) -> str:
    """The address that throttles and login limits count `request` against."""
    return address_behind(
        request.META.get("REMOTE_ADDR", ""),
        request.META.get("HTTP_X_FORWARDED_FOR", ""),
        trusted_proxies(tuple(settings.SHOP_TRUSTED_PROXIES)),
    )


def address_behind(peer: str, forwarded_for: str, trusted: Iterable[Network]) -> str:
    """The first address, walking from `peer` back along `forwarded_for`, that is not a
    trusted proxy. A hop that is not an address stops the walk at the proxy that wrote it.
    """
    trusted = tuple(trusted)
    hops = [hop.strip() for hop in forwarded_for.split(",")]
    address = peer
    while hops and _within(address, trusted):
        hop = hops.pop()
        if _parse(hop) is None:
            break
        address = hop
    return address


def is_loopback(address: str) -> bool:
    """Whether `address` is this host's own (127.0.0.0/8, ::1, or IPv4-mapped)."""
    parsed = _parse(address)
    return parsed is not None and parsed.is_loopback


@functools.lru_cache(maxsize=8)
def trusted_proxies(entries: tuple[str, ...]) -> tuple[Network, ...]:
    """`SHOP_TRUSTED_PROXIES` entries (addresses or networks) as networks."""
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries)


def _within(address: str, networks: tuple[Network, ...]) -> bool:
    parsed = _parse(address)
    return parsed is not None and any(parsed in network for network in networks)


def _parse(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address, with an IPv4-mapped IPv6 one (`::ffff:10.0.0.1`, as a dual-stack
    socket reports an IPv4 peer) read as the IPv4 address it is."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return None
    mapped = getattr(parsed, "ipv4_mapped", None)
    return mapped or parsed
