"""Who may read /metrics, and the route a request is timed under, in this process."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from django.urls import Resolver404, resolve

from shop.metrics import STATIC, UNMATCHED, may_scrape, route

requests = RequestFactory()


@pytest.mark.parametrize(
    ("peer", "forwarded_for", "trusted", "allowed"),
    [
        ("127.0.0.1", "", [], True),
        ("::1", "", [], True),
        ("::ffff:127.0.0.1", "", [], True),
        ("10.0.0.5", "", [], False),
        # A proxy on this host, trusted or not, relaying a remote client.
        ("127.0.0.1", "203.0.113.7", [], False),
        ("127.0.0.1", "203.0.113.7", ["127.0.0.1"], False),
        # ... or a client on this host.
        ("127.0.0.1", "127.0.0.1", ["127.0.0.1"], True),
        # A remote client claiming to be this host is believed by no one.
        ("203.0.113.7", "127.0.0.1", ["127.0.0.1"], False),
        ("127.0.0.1", "127.0.0.1, not-an-address", ["127.0.0.1"], False),
    ],
)
def test_only_this_host_may_scrape_without_the_token(
    settings, peer: str, forwarded_for: str, trusted: list[str], allowed: bool
) -> None:
    settings.SHOP_TRUSTED_PROXIES, settings.SHOP_METRICS_TOKEN = trusted, "the-token"
    request = requests.get("/metrics", REMOTE_ADDR=peer, HTTP_X_FORWARDED_FOR=forwarded_for)

    assert may_scrape(request) is allowed


@pytest.mark.parametrize(
    ("token", "sent", "allowed"),
    [
        ("the-token", "Bearer the-token", True),
        ("the-token", "bearer the-token", True),
        ("the-token", "Bearer the-toke", False),
        ("the-token", "Token the-token", False),
        ("the-token", "", False),
        ("", "Bearer ", False),  # no token set: this host alone
    ],
)
def test_a_remote_caller_may_scrape_with_the_token_alone(
    settings, token: str, sent: str, allowed: bool
) -> None:
    settings.SHOP_METRICS_TOKEN = token
    request = requests.get("/metrics", REMOTE_ADDR="203.0.113.7", HTTP_AUTHORIZATION=sent)

    assert may_scrape(request) is allowed


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/api/cart/0b7e5a52-4f3c-4b8e-9a55-0e0a7e6f9d11", "/api/cart/<uuid:cartId>"),
        ("/api/health", "/api/health"),
        ("/metrics", "/metrics"),
        ("/api/no-such-thing/42", UNMATCHED),
        ("/static/shop/live.js", STATIC),
    ],
)
def test_a_request_is_timed_under_its_route_template_never_its_path(
    path: str, expected: str
) -> None:
    request = requests.get(path)
    try:
        request.resolver_match = resolve(path)
    except Resolver404:
        request.resolver_match = None  # as Django leaves it when nothing matched

    assert route(request) == expected
