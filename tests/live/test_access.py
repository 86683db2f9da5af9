"""An open socket keeps its access only while its credentials and rights last: checked
again before every heartbeat, it closes with 4401 once they no longer sign its user in,
with 4403 once a staff board's user is no longer staff."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from channels.db import database_sync_to_async as db
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.utils import timezone

from shop.asgi import application as shop_application
from shop.tokens.keys import issue
from shop.tokens.models import ApiToken
from tests.live.support import TIMEOUT, cookie_header, feed_socket, open_account, token_header

pytestmark = pytest.mark.integration

GONE = {"type": "websocket.close", "code": 4401, "reason": "credentials no longer valid"}
RIGHTS_GONE = {"type": "websocket.close", "code": 4403, "reason": "no longer allowed"}
HEARTBEAT = '{"type": "heartbeat", "position": null}'


@pytest.fixture(autouse=True)
def quick_heartbeats(settings) -> None:
    settings.SHOP_WS_HEARTBEAT_SECONDS = 0.1


async def opened(socket: WebsocketCommunicator) -> WebsocketCommunicator:
    """The socket, connected and past its first heartbeat (so its re-check passed once)."""
    connected, _ = await socket.connect(timeout=TIMEOUT)
    assert connected
    assert (await socket.receive_json_from(timeout=TIMEOUT))["type"] == "heartbeat"
    return socket


async def closing(socket: WebsocketCommunicator) -> dict:
    """The close that ends the socket, past at most two heartbeats sent before the change
    was seen; anything else (such as a third heartbeat) is returned as it is."""
    for _ in range(3):
        output = await socket.receive_output(timeout=TIMEOUT)
        if output != {"type": "websocket.send", "text": HEARTBEAT, "bytes": None}:
            break
    assert await socket.receive_nothing()
    return output


def new_password(user: User) -> None:
    user.set_password(f"new-{uuid.uuid4().hex}")
    user.save()


def deactivate(user: User) -> None:
    User.objects.filter(pk=user.pk).update(is_active=False)


def expire_tokens(user: User) -> None:
    ApiToken.objects.filter(user=user).update(expires=timezone.now())


def revoke_tokens(user: User) -> None:
    ApiToken.objects.filter(user=user).delete()


TOKEN_CHANGES: dict[str, Callable[[User], None]] = {
    "a new password": new_password,
    "deactivation": deactivate,
    "expiry": expire_tokens,
    "revocation": revoke_tokens,
}


@pytest.mark.parametrize("change", TOKEN_CHANGES.values(), ids=TOKEN_CHANGES.keys())
async def test_a_token_socket_closes_with_4401_once_its_token_no_longer_signs_in(
    make_user, change: Callable[[User], None]
) -> None:
    user = await db(make_user)()
    socket = await opened(feed_socket(token_header(await db(lambda: issue(user).key)())))

    await db(change)(user)

    assert await closing(socket) == GONE


async def test_another_users_password_leaves_a_socket_open(make_user) -> None:
    user, other = await db(make_user)(), await db(make_user)()
    socket = await opened(feed_socket(token_header(await db(lambda: issue(user).key)())))

    await db(new_password)(other)

    frames = [await socket.receive_json_from(timeout=TIMEOUT) for _ in range(3)]
    assert frames == [{"type": "heartbeat", "position": None}] * 3
    await socket.disconnect()


SESSION_CHANGES: dict[str, Callable[[User, str], None]] = {
    "a new password": lambda user, session: new_password(user),
    "deactivation": lambda user, session: deactivate(user),
    "signing out": lambda user, session: Session.objects.filter(session_key=session).delete(),
}


@pytest.mark.parametrize("change", SESSION_CHANGES.values(), ids=SESSION_CHANGES.keys())
async def test_a_session_socket_closes_with_4401_once_its_session_no_longer_signs_in(
    make_user, session_for, change: Callable[[User, str], None]
) -> None:
    user = await db(make_user)()
    session = await db(session_for)(user)
    socket = await opened(feed_socket(cookie_header(session)))

    await db(change)(user, session)

    assert await closing(socket) == GONE


def order_board(key: str) -> WebsocketCommunicator:
    """The sales order feed, as shop.asgi serves it."""
    headers = [(b"host", b"testserver"), (b"origin", b"http://testserver"), token_header(key)]
    return WebsocketCommunicator(shop_application, "/ws/order-events", headers=headers)


async def test_a_staff_board_closes_with_4403_once_its_user_is_no_longer_staff(
    make_user,
) -> None:
    staff = await db(make_user)(staff=True)
    socket = await opened(order_board(await db(lambda: issue(staff).key)()))

    await db(User.objects.filter(pk=staff.pk).update)(is_staff=False)

    assert await closing(socket) == RIGHTS_GONE


async def test_a_customer_feed_stays_open_while_the_customer_is_signed_in(make_user) -> None:
    customer = await db(make_user)()
    socket = await opened(order_board(await db(lambda: issue(customer).key)()))

    frames = [await socket.receive_json_from(timeout=TIMEOUT) for _ in range(3)]

    assert frames == [{"type": "heartbeat", "position": None}] * 3
    await socket.disconnect()


async def test_a_socket_closed_for_lost_access_sends_nothing_more(make_user) -> None:
    user = await db(make_user)()
    socket = await opened(feed_socket(token_header(await db(lambda: issue(user).key)())))
    await db(revoke_tokens)(user)
    assert await closing(socket) == GONE

    await db(open_account)(user.username, "3.00")  # live messages for this user, after the close

    assert await socket.receive_nothing(timeout=1)
