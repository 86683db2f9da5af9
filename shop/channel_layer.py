"""Shop's channel layer: channels_redis's pub/sub layer, each channel holding at most
`capacity` messages.

A group send is one PUBLISH. Each process subscribes, on one Redis connection per event
loop, to its consumers' channels and groups, and puts each message it reads in the
channel's queue in memory. Redis stores nothing: a process's group memberships end with
its connection, and a message published while that connection is down is lost (the live
feed refills it from its table, `eventstore.live`). Pub/sub channels ignore the Redis
database number, so the prefix alone keeps suites and deployments sharing a Redis apart.

channels_redis gives each channel an unbounded `asyncio.Queue`. A consumer takes its
next message only once it has handled the last, and a socket whose client stops reading
blocks that handling (uvicorn's send waits while the connection's write buffer is full),
so the queue would grow with every message for the socket's groups until the connection
closes. Here a full channel drops its oldest message to take the new one. The oldest,
never the newest: the message kept names the one before it (`previous`), so the feed
sees the gap and refills it from its table. Nothing is lost silently.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from channels_redis.pubsub import RedisPubSubChannelLayer, RedisPubSubLoopLayer
from channels_redis.utils import _wrap_close

log = logging.getLogger(__name__)

CAPACITY = 100
"""A channel's messages, unless the layer's CONFIG says otherwise."""


class NewestMessages(asyncio.Queue):
    """One channel's messages, at most `capacity`: a message for a full channel drops the
    oldest. A run of drops is logged as it starts and, with its count, at the first
    message after it that finds room."""

    def __init__(self, channel: str, capacity: int) -> None:
        super().__init__()
        self.channel = channel
        self.capacity = capacity
        self.dropping = 0

    def put_nowait(self, item: Any) -> None:
        if self.qsize() >= self.capacity:
            self.get_nowait()
            self.dropping += 1
            if self.dropping == 1:
                log.warning("channel %s is full: dropping its oldest messages", self.channel)
        elif self.dropping:
            log.warning("channel %s dropped %d messages while full", self.channel, self.dropping)
            self.dropping = 0
        super().put_nowait(item)


class BoundedPubSubLoopLayer(RedisPubSubLoopLayer):
    """The pub/sub layer of one event loop, its channels' queues bounded."""

    def __init__(self, *args: Any, capacity: int = CAPACITY, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.capacity = capacity

    async def _subscribe_to_channel(self, channel: str) -> None:
        self.channels[channel] = NewestMessages(channel, self.capacity)
        await self._get_shard(channel).subscribe(channel)


class BoundedPubSubChannelLayer(RedisPubSubChannelLayer):
    """`RedisPubSubChannelLayer` with `BoundedPubSubLoopLayer` for each event loop.

    Its `_get_layer` and the loop layer's `_subscribe_to_channel` are channels_redis
    4.3's, with the bounded queue; requirements.txt pins that version.
    """

    def _get_layer(self) -> BoundedPubSubLoopLayer:
        loop = asyncio.get_running_loop()
        if (layer := self._layers.get(loop)) is None:
            layer = BoundedPubSubLoopLayer(*self._args, **self._kwargs, channel_layer=self)
            self._layers[loop] = layer
            _wrap_close(self, loop)  # flushed as the loop closes, unless closed before
        return layer

    async def close_connections(self) -> None:
        """Close this event loop's subscription and connections: the server is stopping
        (`shop.lifespan`). The loop's channels and groups are forgotten; the layer opens
        new connections if used again. Nothing in Redis changes."""
        layer = self._layers.pop(asyncio.get_running_loop(), None)
        if layer is not None:
            await layer.flush()
