"""Who may open /ws/order-events: the site's origin, and a session or token user."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async as db
from django.contrib.auth.models import User
from django.utils import timezone

from shop.devstack.servers import with_site_origins
from shop.tokens.models import ApiToken
from tests.live.support import (
    TIMEOUT,
    as_sent,
    cookie_header,
    deposit,
    feed_after,
    feed_socket,
    open_account,
    receive,
    token_header,
)

pytestmark = pytest.mark.integration


async def assert_closed_with(socket, code: int, reason: str) -> None:
    connected, _ = await socket.connect(timeout=TIMEOUT)
    assert connected
    assert await socket.receive_output(timeout=TIMEOUT) == {
        "type": "websocket.close", "code": code, "reason": reason
    }  # fmt: skip
    assert await socket.receive_nothing()
    await socket.disconnect()


async def test_an_anonymous_client_is_closed_with_4401(committed_db: None) -> None:
    await assert_closed_with(feed_socket(), 4401, "authentication required")


async def test_an_unknown_token_is_anonymous_even_with_a_valid_session(
    make_user, session_for
) -> None:
    session = await db(session_for)(await db(make_user)())

    socket = feed_socket(token_header("0" * 40), cookie_header(session))

    await assert_closed_with(socket, 4401, "authentication required")


async def test_an_inactive_users_token_is_anonymous(make_user, token_for) -> None:
    token = await db(token_for)(await db(make_user)(active=False))

    await assert_closed_with(feed_socket(token_header(token)), 4401, "authentication required")


def expire(user: User) -> None:
    ApiToken.objects.filter(user=user).update(expires=timezone.now())


def change_password(user: User) -> None:
    user.set_password("a new password for this user")
    user.save()


@pytest.mark.parametrize("change", [expire, change_password], ids=["expired", "old password"])
async def test_a_token_that_is_no_longer_live_is_anonymous(make_user, token_for, change) -> None:
    user = await db(make_user)()
    token = await db(token_for)(user)
    await db(change)(user)

    await assert_closed_with(feed_socket(token_header(token)), 4401, "authentication required")


@pytest.mark.parametrize("origin", [b"http://evil.example", b"https://testserver.evil.example"])
async def test_a_foreign_origin_is_refused_before_the_handshake(
    make_user, token_for, origin: bytes
) -> None:
    token = await db(token_for)(await db(make_user)())
    socket = feed_socket((b"origin", origin), token_header(token))

    connected, code = await socket.connect(timeout=TIMEOUT)

    assert (connected, code) == (False, 1000)  # a close before accept: the server answers 403
    assert await socket.receive_nothing()


ORIGINS = {
    "the site's own": (True, b"http://testserver", b"testserver", "ws"),
    "the site's own, on a port": (True, b"http://testserver:8000", b"testserver:8000", "ws"),
    "the site's own, over TLS": (True, b"https://testserver", b"testserver", "wss"),
    "a trusted one": (True, b"https://shop.example", b"testserver", "ws"),
    "another port": (False, b"http://testserver:8080", b"testserver", "ws"),
    "no port where the site has one": (False, b"http://testserver", b"testserver:8000", "ws"),
    "https to a plain socket": (False, b"https://testserver", b"testserver", "ws"),
    "http to a TLS socket": (False, b"http://testserver", b"testserver", "wss"),
    "a trusted host, other scheme": (False, b"http://shop.example", b"testserver", "ws"),
    "its own, a host not allowed": (False, b"http://evil.example", b"evil.example", "ws"),
}  # fmt: skip


@pytest.mark.parametrize(
    ("admitted", "origin", "host", "scheme"), ORIGINS.values(), ids=ORIGINS.keys()
)
async def test_the_origin_must_match_scheme_host_and_port_of_the_site_or_a_trusted_origin(
    make_user, token_for, settings, admitted: bool, origin: bytes, host: bytes, scheme: str
) -> None:
    settings.CSRF_TRUSTED_ORIGINS = ["https://shop.example"]
    token = await db(token_for)(await db(make_user)())
    socket = feed_socket((b"origin", origin), (b"host", host), token_header(token))
    socket.scope["scheme"] = scheme

    connected, _ = await socket.connect(timeout=TIMEOUT)

    assert connected is admitted
    if connected:
        await socket.disconnect()
    else:
        assert await socket.receive_nothing()


SITE_ON_ANOTHER_PORT = {
    "the HTTP port's page": (True, b"http://127.0.0.1:8000", b"127.0.0.1:8001"),
    "the HTTP port's page, by name": (True, b"http://localhost:8000", b"localhost:8001"),
    "its own page": (True, b"http://127.0.0.1:8001", b"127.0.0.1:8001"),
    "another port": (False, b"http://127.0.0.1:8002", b"127.0.0.1:8001"),
    "no port": (False, b"http://127.0.0.1", b"127.0.0.1:8001"),
    "over TLS": (False, b"https://127.0.0.1:8000", b"127.0.0.1:8001"),
    "another host on the HTTP port": (False, b"http://127.0.0.2:8000", b"127.0.0.1:8001"),
    "a name ending like it": (False, b"http://evil-localhost:8000", b"localhost:8001"),
}  # fmt: skip


@pytest.mark.parametrize(
    ("admitted", "origin", "host"), SITE_ON_ANOTHER_PORT.values(), ids=SITE_ON_ANOTHER_PORT.keys()
)
async def test_the_websocket_port_admits_the_pages_of_the_http_port_make_run_trusts_and_no_other(
    make_user, token_for, settings, admitted: bool, origin: bytes, host: bytes
) -> None:
    """`make run`: pages on PORT 8000, the feed on 8001, whose server trusts the HTTP
    port's origins (SHOP_TRUSTED_ORIGINS, as the runner computes them)."""
    trusted = with_site_origins({"SHOP_TRUSTED_ORIGINS": ""}, "8000")["SHOP_TRUSTED_ORIGINS"]
    settings.CSRF_TRUSTED_ORIGINS = trusted.split(",")
    token = await db(token_for)(await db(make_user)())
    socket = feed_socket((b"origin", origin), (b"host", host), token_header(token))

    connected, _ = await socket.connect(timeout=TIMEOUT)

    assert settings.CSRF_TRUSTED_ORIGINS == ["http://127.0.0.1:8000", "http://localhost:8000"]
    assert connected is admitted
    if connected:
        await socket.disconnect()
    else:
        assert await socket.receive_nothing()


async def test_a_missing_origin_is_refused(make_user, token_for) -> None:
    token = await db(token_for)(await db(make_user)())
    socket = feed_socket(token_header(token))
    socket.scope["headers"] = [token_header(token)]

    connected, _ = await socket.connect(timeout=TIMEOUT)

    assert not connected


@pytest.mark.parametrize("after", ["abc", "-1", "", "1.5", "\uff11"])  # a full-width digit one
async def test_an_after_that_is_not_a_non_negative_integer_closes_with_4400(
    make_user, token_for, after: str
) -> None:
    token = await db(token_for)(await db(make_user)())

    socket = feed_socket(token_header(token), after=after)

    await assert_closed_with(socket, 4400, "after must be a non-negative integer")


async def test_a_token_authenticates(make_user, token_for) -> None:
    user = await db(make_user)()
    token = await db(token_for)(user)
    socket = feed_socket(token_header(token))
    connected, _ = await socket.connect(timeout=TIMEOUT)

    account = await db(open_account)(user.username, "4.00")

    expected = await db(feed_after)(0, user.username)
    assert [m["orderId"] for m in expected] == [str(account)] * 2
    assert connected
    assert await receive(socket, 2) == as_sent(expected, None)
    assert await socket.receive_nothing()
    await socket.disconnect()


async def test_a_session_cookie_authenticates(make_user, session_for) -> None:
    user = await db(make_user)()
    account = await db(open_account)(user.username)
    opened = (await db(feed_after)(0, user.username))[-1]["position"]
    socket = feed_socket(cookie_header(await db(session_for)(user)))
    connected, _ = await socket.connect(timeout=TIMEOUT)

    await db(deposit)(account, user.username, "6.00")

    [expected] = await db(feed_after)(opened, user.username)
    assert (expected["orderId"], expected["event"]) == (str(account), "pipeline.Deposited")
    assert connected
    assert await receive(socket, 1) == as_sent([expected], None)
    assert await socket.receive_nothing()
    await socket.disconnect()
