"""Shop's channel layer (shop.channel_layer): Redis pub/sub, a channel holding its newest
`capacity` messages, and its connections closed on request."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator

import pytest
import redis
from django.conf import settings

from shop.channel_layer import BoundedPubSubChannelLayer

pytestmark = pytest.mark.integration

TIMEOUT = 5
CAPACITY = 3


@pytest.fixture
async def layer() -> AsyncIterator[BoundedPubSubChannelLayer]:
    prefix = f"{settings.CHANNEL_LAYERS['default']['CONFIG']['prefix']}-bounded"
    bounded = BoundedPubSubChannelLayer(
        hosts=[{"address": settings.REDIS_URL}], prefix=prefix, capacity=CAPACITY
    )
    yield bounded
    await bounded.close_connections()


async def receive(layer: BoundedPubSubChannelLayer, channel: str, count: int) -> list[int]:
    return [(await asyncio.wait_for(layer.receive(channel), TIMEOUT))["n"] for _ in range(count)]


async def test_a_channel_nobody_reads_keeps_its_newest_messages(layer, caplog) -> None:
    caplog.set_level(logging.WARNING, "shop.channel_layer")
    unread, marker = await layer.new_channel(), await layer.new_channel()
    await layer.group_add("board", unread)

    for n in range(10):
        await layer.group_send("board", {"type": "feed.batch", "n": n})
    await layer.send(marker, {"type": "feed.batch", "n": -1})
    # One connection publishes, one reads, in order: once the marker is here, so are all ten.
    assert await receive(layer, marker, 1) == [-1]

    assert await receive(layer, unread, CAPACITY) == [7, 8, 9]
    assert [r.getMessage() for r in caplog.records] == [
        f"channel {unread} is full: dropping its oldest messages"
    ]
    await layer.group_send("board", {"type": "feed.batch", "n": 10})
    assert await receive(layer, unread, 1) == [10]
    assert caplog.records[-1].getMessage() == f"channel {unread} dropped 7 messages while full"


async def test_a_channel_read_as_fast_as_it_fills_drops_nothing(layer, caplog) -> None:
    caplog.set_level(logging.WARNING, "shop.channel_layer")
    channel = await layer.new_channel()
    await layer.group_add("board", channel)

    for n in range(10):
        await layer.group_send("board", {"type": "feed.batch", "n": n})
        assert await receive(layer, channel, 1) == [n]

    assert caplog.records == []


async def test_closing_ends_the_subscriptions_and_a_later_use_subscribes_anew(layer) -> None:
    channel = await layer.new_channel()
    await layer.group_add("board", channel)
    await layer.group_send("board", {"type": "feed.batch", "n": 1})
    assert await receive(layer, channel, 1) == [1]
    group = f"{layer.prefix}__group__board"
    assert await asyncio.to_thread(subscribers, channel, group) == [1, 1]

    await layer.close_connections()

    assert await asyncio.to_thread(subscribers, channel, group, until=[0, 0]) == [0, 0]
    again = await layer.new_channel()
    await layer.send(again, {"type": "feed.batch", "n": 2})
    assert await receive(layer, again, 1) == [2]


def subscribers(*names: str, until: list[int] | None = None) -> list[int]:
    """How many connections Redis has subscribed to each name; with `until`, once they
    are that many or after TIMEOUT (a closed connection ends on Redis's side a moment
    after it ends on ours)."""
    deadline = time.monotonic() + TIMEOUT
    with redis.Redis.from_url(settings.REDIS_URL) as observer:
        while True:
            counts = [count for _, count in observer.pubsub_numsub(*names)]
            if until is None or counts == until or time.monotonic() > deadline:
                return counts
            time.sleep(0.05)
