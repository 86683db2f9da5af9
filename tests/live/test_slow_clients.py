"""A client that stops reading: its socket waits, holding a bounded number of messages,
and once the client reads again it gets every message, in order.

The socket's sends wait while the client's connection holds as much unread as it can
(uvicorn waits on a full write buffer; here the test's frames queue is full). Meanwhile
the channel layer keeps the newest `capacity` messages of the socket's channel and a
catching-up socket the newest `replay_page` live entries; what either lets go shows as
a gap and is read from the feed table.
"""

from __future__ import annotations

import asyncio
import copy
import logging

import pytest
from channels.db import database_sync_to_async as db
from channels.testing import WebsocketCommunicator

from tests.live.support import (
    ORIGIN,
    TIMEOUT,
    as_sent,
    connected_socket,
    deposit,
    feed_after,
    layer_reading,
    open_account,
    receive,
    token_header,
)
from tests.pipeline.asgi import application
from tests.pipeline.consumers import LedgerFeedConsumer

pytestmark = pytest.mark.integration

CAPACITY = 3


class UnreadClient(WebsocketCommunicator):
    """A client whose connection holds at most `frames` frames it has not read: the
    socket's next send waits until the test reads one."""

    def __init__(self, path: str, headers: list[tuple[bytes, bytes]], frames: int) -> None:
        super().__init__(application, path, headers=headers)
        self._output_queue = asyncio.Queue(maxsize=frames)


async def unread_client(token: str, after: int | None = None) -> UnreadClient:
    path = "/ws/order-events" if after is None else f"/ws/order-events?after={after}"
    headers = [ORIGIN, (b"host", b"testserver"), token_header(token)]
    client = UnreadClient(path, headers, frames=1)
    connected, _ = await client.connect(timeout=TIMEOUT)
    assert connected
    return client


@pytest.fixture
async def small_channels(settings) -> None:
    layers = copy.deepcopy(settings.CHANNEL_LAYERS)
    layers["default"]["CONFIG"]["capacity"] = CAPACITY
    settings.CHANNEL_LAYERS = layers  # Channels makes its layer anew
    await layer_reading()  # else the first messages come in one burst, over capacity


@pytest.fixture
def buffered(monkeypatch) -> list[int]:
    """The buffer's length after each live batch a consumer took while catching up."""
    lengths: list[int] = []
    original = LedgerFeedConsumer.feed_batch

    async def feed_batch(self, event: dict) -> None:
        catching_up = not self.live
        await original(self, event)
        if catching_up:
            lengths.append(len(self.buffer))

    monkeypatch.setattr(LedgerFeedConsumer, "feed_batch", feed_batch)
    return lengths


async def test_messages_that_pile_up_for_a_socket_are_refilled_from_the_table(
    make_user, token_for, small_channels, refills, caplog
) -> None:
    caplog.set_level(logging.WARNING, "shop.channel_layer")
    ann = await db(make_user)()
    account = await db(open_account)(ann.username)
    token = await db(token_for)(ann)
    keeping_up = await connected_socket(token)
    lagging = await unread_client(token)

    for n in range(1, 11):  # one batch each: ten channel messages to ann's group
        await db(deposit)(account, ann.username, f"{n}.00")

    expected = await db(feed_after)(0, ann.username)
    expected = expected[1:]  # after the opening, the feed's head as both sockets connected
    assert len(expected) == 10
    # Each message reached both sockets' channels at once: all ten were offered to both.
    assert await receive(keeping_up, 10) == as_sent(expected, None)
    full = [r.getMessage() for r in caplog.records if "is full" in r.getMessage()]
    assert len(full) == 1  # the lagging socket's channel; the other kept up
    assert refills == []

    # The first went out, the second waits to; the channel kept the newest three.
    assert await receive(lagging, 10) == as_sent(expected, None)
    assert refills == [expected[1]["position"]]  # one refill, after the second
    for socket in (keeping_up, lagging):
        assert await socket.receive_nothing()
        await socket.disconnect()


async def test_a_socket_catching_up_for_a_client_that_stopped_reading_buffers_a_page(
    make_user, token_for, monkeypatch, buffered, reading_layer
) -> None:
    monkeypatch.setattr(LedgerFeedConsumer, "replay_page", 2)
    ann = await db(make_user)()
    account = await db(open_account)(ann.username, "1.00", "2.00", "3.00", "4.00")
    token = await db(token_for)(ann)
    keeping_up = await connected_socket(token)
    lagging = await unread_client(token, after=0)  # replaying: its second send waits

    for n in range(5, 11):  # one batch each, while the lagging socket replays
        await db(deposit)(account, ann.username, f"{n}.00")

    everything = await db(feed_after)(0, ann.username)
    assert len(everything) == 11
    assert await receive(keeping_up, 6) == as_sent(everything[5:], None)
    assert await receive(lagging, 11) == as_sent(everything, 0)
    assert buffered == [1, 2, 2, 2, 2, 2]  # six came; it kept the newest two
    for socket in (keeping_up, lagging):
        assert await socket.receive_nothing()
        await socket.disconnect()
