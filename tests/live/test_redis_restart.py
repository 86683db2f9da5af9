"""The channel layer's Redis restarts under an open socket: nothing is lost.

What was published while Redis was down reached no one; the next message shows the gap
and the socket refills it from the table. The process subscribes again as it reconnects
(redis-py's pub/sub replays its subscriptions on a new connection), so what comes after
arrives live.
"""

from __future__ import annotations

import asyncio
import copy
import time
from collections.abc import AsyncIterator

import pytest
import redis
from channels.db import database_sync_to_async as db
from django.conf import settings

from shop.devstack.services import EmbeddedRedis
from tests.live.support import (
    as_sent,
    connected_socket,
    deposit,
    feed_after,
    open_account,
    receive,
)
from tests.pipeline.bakers import owner_group

pytestmark = pytest.mark.integration


@pytest.fixture
async def restartable_redis(settings, tmp_path) -> AsyncIterator[EmbeddedRedis]:
    """A Redis of the test's own for the channel layer, which the test may stop and start."""
    server = EmbeddedRedis(data_dir=tmp_path / "redis")
    url = await asyncio.to_thread(server.start)
    layers = copy.deepcopy(settings.CHANNEL_LAYERS)
    layers["default"]["CONFIG"]["hosts"] = [{"address": url}]
    settings.CHANNEL_LAYERS = layers  # Channels makes its layer anew, on this Redis
    yield server
    await asyncio.to_thread(server.stop)


def subscribers(url: str, group: str, until: int, timeout: float = 30) -> int:
    """How many connections Redis has subscribed to the group's channel, once that is
    `until` or after `timeout` s."""
    channel = f"{settings.CHANNEL_LAYERS['default']['CONFIG']['prefix']}__group__{group}"
    deadline = time.monotonic() + timeout
    with redis.Redis.from_url(url) as observer:
        while True:
            [(_, count)] = observer.pubsub_numsub(channel)
            if count == until or time.monotonic() > deadline:
                return count
            time.sleep(0.1)


async def test_a_socket_outlives_a_redis_restart_and_misses_nothing(
    make_user, token_for, restartable_redis, refills
) -> None:
    ann = await db(make_user)()
    account = await db(open_account)(ann.username)
    socket = await connected_socket(await db(token_for)(ann))
    await db(deposit)(account, ann.username, "1.00")
    [first] = await receive(socket, 1)
    url, group = restartable_redis.url, owner_group(ann.username)

    await asyncio.to_thread(restartable_redis.stop)
    await db(deposit)(account, ann.username, "2.00")  # published to no one
    await asyncio.to_thread(restartable_redis.start)
    assert await asyncio.to_thread(subscribers, url, group, until=1) == 1
    await db(deposit)(account, ann.username, "3.00")  # live, linked to the lost one

    missed = await db(feed_after)(first["position"], ann.username)
    assert await receive(socket, 2) == as_sent(missed, first["position"])
    assert refills == [first["position"]]
    await db(deposit)(account, ann.username, "4.00")
    [last] = await db(feed_after)(missed[-1]["position"], ann.username)
    assert await receive(socket, 1) == as_sent([last], missed[-1]["position"])
    assert refills == [first["position"]]  # it came live
    assert await socket.receive_nothing()
    await socket.disconnect()
