"""Limits on every socket: open sockets per user (counted in Redis, across servers) and
no frames from the client."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import redis.asyncio
from channels.db import database_sync_to_async as db
from channels.testing import WebsocketCommunicator
from django.conf import settings
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from shop import websocket_guard
from shop.websocket_guard import Slot
from tests.live.support import TIMEOUT, feed_socket, token_header
from tests.livestack import start_server  # noqa: F401  a real uvicorn

pytestmark = pytest.mark.integration

TOO_MANY = {"type": "websocket.close", "code": 4429, "reason": "too many open sockets"}
SEND_NOTHING = {"type": "websocket.close", "code": 1008, "reason": "send nothing"}


@pytest.fixture
async def slots() -> AsyncIterator[redis.asyncio.Redis]:
    client = redis.asyncio.Redis.from_url(settings.REDIS_URL)
    yield client
    await client.aclose()


async def held(slots: redis.asyncio.Redis, user_pk: int) -> int:
    return await slots.zcard(Slot.of(slots, user_pk).key)


async def a_user_with_a_token(make_user, token_for, slots: redis.asyncio.Redis) -> tuple:
    """A user, their token, and no slot left over from an earlier run with the same id."""
    user = await db(make_user)()
    await slots.delete(Slot.of(slots, user.pk).key)
    return user, await db(token_for)(user)


async def open_socket(token: str) -> WebsocketCommunicator:
    socket = feed_socket(token_header(token))
    connected, _ = await socket.connect(timeout=TIMEOUT)
    assert connected
    return socket


async def test_a_users_eleventh_socket_is_closed_with_4429(make_user, token_for, slots) -> None:
    user, token = await a_user_with_a_token(make_user, token_for, slots)
    _, others = await a_user_with_a_token(make_user, token_for, slots)
    ten = [await open_socket(token) for _ in range(10)]

    eleventh = feed_socket(token_header(token))
    connected, _ = await eleventh.connect(timeout=TIMEOUT)

    assert connected
    assert await eleventh.receive_output(timeout=TIMEOUT) == TOO_MANY
    assert await held(slots, user.pk) == 10
    another_user = await open_socket(others)
    assert await another_user.receive_nothing()
    await ten.pop().disconnect()
    assert await held(slots, user.pk) == 9
    again = await open_socket(token)
    assert await again.receive_nothing()
    for socket in [*ten, again, another_user]:
        await socket.disconnect()
    assert await held(slots, user.pk) == 0


async def test_the_limit_is_a_setting(make_user, token_for, slots, settings) -> None:
    settings.SHOP_WS_MAX_PER_USER = 1
    user, token = await a_user_with_a_token(make_user, token_for, slots)
    first = await open_socket(token)

    second = feed_socket(token_header(token))
    await second.connect(timeout=TIMEOUT)

    assert await second.receive_output(timeout=TIMEOUT) == TOO_MANY
    assert await held(slots, user.pk) == 1
    await first.disconnect()


async def test_the_slot_of_a_socket_whose_server_died_lapses_after_its_lease(slots) -> None:
    crashed = Slot(slots, "test-ws-slots:lapse", "crashed", lease=1)
    await slots.delete(crashed.key)
    assert await crashed.take(1)
    newcomer = Slot(slots, crashed.key, "newcomer", lease=1)

    refused = await newcomer.take(1)
    await asyncio.sleep(2.1)  # Redis's clock counts whole seconds
    admitted = await newcomer.take(1)

    assert (refused, admitted) == (False, True)
    assert await slots.zrange(crashed.key, 0, -1) == [b"newcomer"]
    await slots.delete(crashed.key)


async def test_a_burst_of_more_slots_than_the_pool_has_connections_counts_every_one(
    slots, monkeypatch
) -> None:
    """Sockets opening at once take turns for the slots' connections: none is let through
    uncounted because the pool had no connection free."""
    monkeypatch.setattr(websocket_guard, "POOL_SIZE", 2)
    await websocket_guard.close_redis()  # made anew, with the smaller pool
    client = websocket_guard.redis_client()
    burst = [Slot.of(client, "burst") for _ in range(50)]
    await slots.delete(burst[0].key)

    taken = await asyncio.gather(*(slot.take(100) for slot in burst))

    assert taken == [True] * 50
    assert await slots.zcard(burst[0].key) == 50
    await slots.delete(burst[0].key)
    await websocket_guard.close_redis()


@pytest.mark.parametrize(
    "frame", [{"text_data": "{}"}, {"bytes_data": b"\x00"}], ids=["text", "bytes"]
)
async def test_a_frame_from_the_client_closes_the_socket_and_frees_its_slot(
    make_user, token_for, slots, frame: dict
) -> None:
    user, token = await a_user_with_a_token(make_user, token_for, slots)
    socket = await open_socket(token)
    assert await held(slots, user.pk) == 1

    await socket.send_to(**frame)

    assert await socket.receive_output(timeout=TIMEOUT) == SEND_NOTHING
    await socket.wait(timeout=TIMEOUT)  # the consumer ends as on a disconnect
    assert await held(slots, user.pk) == 0


def closing_code(url: str, origin: str, token: str, frame: str) -> int:
    """The code the server closes with after the client sent `frame`."""
    headers = {"Authorization": f"Token {token}"}
    with connect(url, origin=origin, additional_headers=headers, proxy=None) as socket:
        socket.send(frame)
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                socket.recv(timeout=TIMEOUT)  # a heartbeat may come first
    return closed.value.rcvd.code


def test_a_real_server_closes_on_a_client_frame_and_refuses_a_big_one_unread(
    start_server,  # noqa: F811
    make_user,
    token_for,
) -> None:
    server = start_server()
    token = token_for(make_user())
    url = f"ws://127.0.0.1:{server.port}/ws/order-events"

    small = closing_code(url, server.url, token, "x" * 10)
    big = closing_code(url, server.url, token, "x" * 5000)

    assert (small, big) == (1008, 1009)  # the gate's rule; uvicorn's --ws-max-size 4096
