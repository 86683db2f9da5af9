"""The client's address: the socket's peer, X-Forwarded-For only from our own proxies."""

from __future__ import annotations

import pytest

from shop.client_address import address_behind, trusted_proxies

PROXIES = trusted_proxies(("10.0.0.0/8", "192.0.2.1"))


@pytest.mark.parametrize(
    ("peer", "forwarded_for", "expected"),
    [
        ("203.0.113.7", "", "203.0.113.7"),  # no proxy, no header
        ("203.0.113.7", "198.51.100.1", "203.0.113.7"),  # a client's claim is ignored
        ("10.1.2.3", "198.51.100.1", "198.51.100.1"),  # our proxy says who it saw
        ("10.1.2.3", "6.6.6.6, 198.51.100.1", "198.51.100.1"),  # what the client sent first
        ("10.1.2.3", "6.6.6.6, 198.51.100.1, 192.0.2.1", "198.51.100.1"),  # two proxies
        ("10.1.2.3", "192.0.2.1, 10.9.9.9", "192.0.2.1"),  # all ours: the first one
        ("10.1.2.3", "", "10.1.2.3"),  # a proxy's own request
        ("10.1.2.3", "not-an-address", "10.1.2.3"),  # garbage stops at the proxy
        ("10.1.2.3", "2001:db8::5", "2001:db8::5"),
        ("::ffff:10.1.2.3", "198.51.100.1", "198.51.100.1"),  # a dual-stack socket's peer
        ("10.1.2.3", "::ffff:10.9.9.9, 198.51.100.1", "198.51.100.1"),
    ],
)
def test_the_address_is_the_first_hop_that_is_not_a_trusted_proxy(
    peer: str, forwarded_for: str, expected: str
) -> None:
    assert address_behind(peer, forwarded_for, PROXIES) == expected


def test_without_trusted_proxies_the_header_is_never_read() -> None:
    assert address_behind("127.0.0.1", "198.51.100.1", trusted_proxies(())) == "127.0.0.1"
