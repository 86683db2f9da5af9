"""Where a webhook may be sent: no request forgery against the shop's own network.

A receiver's URL must be https (http only where SHOP_WEBHOOK_ALLOW_HTTP=1), and every
address its host resolves to must be a public one: not loopback, private, link-local,
multicast, reserved or unspecified, unless the host is listed in
SHOP_WEBHOOK_ALLOWED_HOSTS. It is checked when the endpoint is registered and again at
every connection, and the connection goes to the address that was checked (`resolve`),
so a DNS answer that changes after the check cannot point a request inward.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
RULE = (
    "an https URL (http too where SHOP_WEBHOOK_ALLOW_HTTP=1) with a valid host name, which"
    " resolves to public addresses only unless it is listed in SHOP_WEBHOOK_ALLOWED_HOSTS"
    " (else 422)."
)
"""The rule above for a client, in the API's description (JSON Schema cannot say it)."""


class Refused(Exception):
    """The URL or its address may not be sent to; the message says why."""


@dataclass(frozen=True)
class Target:
    """A checked URL: its host, and the address to connect to for it."""

    scheme: str
    host: str
    port: int
    address: Address


def getaddrinfo(host: str, port: int) -> list[str]:
    """The host's addresses, as the system resolver gives them."""
    found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [info[4][0] for info in found]


def is_public(address: Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return not (
        address.is_loopback or address.is_private or address.is_link_local
        or address.is_multicast or address.is_reserved or address.is_unspecified
    )  # fmt: skip


def check_url(url: str) -> tuple[str, str, int]:
    """The URL's scheme, host and port, or Refused for its form alone."""
    parts = urlsplit(url)
    allowed = ("https", "http") if settings.SHOP_WEBHOOK_ALLOW_HTTP else ("https",)
    if parts.scheme not in allowed:
        raise Refused(f"The URL must use {' or '.join(allowed)}.")
    if not parts.hostname:
        raise Refused("The URL has no host.")
    if parts.username or parts.password:
        raise Refused("The URL may not carry a user name or password.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise Refused("The URL's port is not a number from 0 to 65535.") from None
    return parts.scheme, parts.hostname.lower().rstrip("."), port


def resolve(url: str) -> Target:
    """Check the URL and resolve its host now: the address to connect to, or Refused."""
    scheme, host, port = check_url(url)
    try:
        found = [ipaddress.ip_address(a.split("%")[0]) for a in getaddrinfo(host, port)]
    except (OSError, UnicodeError, ValueError):
        raise Refused(f"The host {host} does not resolve.") from None
    if not found:
        raise Refused(f"The host {host} does not resolve.")
    if host not in settings.SHOP_WEBHOOK_ALLOWED_HOSTS:
        inward = [str(a) for a in found if not is_public(a)]
        if inward:
            raise Refused(
                f"The host {host} resolves to {', '.join(inward)}, an address that is"
                " loopback, private, link-local or multicast."
            )
    return Target(scheme, host, port, found[0])
