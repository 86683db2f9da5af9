"""What a baker sends its live feed's groups after commit: one message per group per batch.

Each group gets `{"type": "feed.batch", "entries": [...]}`, its entries in position order,
each `{"previous": <the position of the group's feed row before this one, or null>,
"message": <the feed row's message>}`. The channel layer may drop a message silently (a
channel over capacity), so the links are what lets `eventstore.live.FeedConsumer` see
that it missed one and refill from the feed table. They must be read from the table
after commit, the same read as the messages: a baker commits its feed rows in position
order, so the row before one is already there.

One `group_send` per group, all at once, from one event loop per process that lives as
long as the process: the channel layer keeps its Redis connections per event loop, so
`async_to_sync`'s loop per call opened a connection for every batch (about 3 ms).
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Iterable, Mapping

from channels.layers import get_channel_layer

BATCH_TYPE = "feed.batch"
"""The channel-layer type `eventstore.live.FeedConsumer.feed_batch` receives."""


def entry(message: dict, previous: int | None) -> dict:
    """One message of a group's batch, linked to the group's previous feed row."""
    return {"previous": previous, "message": message}


SEND_SECONDS = 10
"""How long a batch's sends may take; past it the caller's after-commit hook logs the
failure, and the sockets refill from the feed table."""


def send_batches(batches: Mapping[str, Iterable[dict]]) -> None:
    """Send each group its entries (already in position order) as one channel message."""
    ready = {group: listed for group, entries in batches.items() if (listed := list(entries))}
    if ready:
        asyncio.run_coroutine_threadsafe(_send(ready), _sender()).result(SEND_SECONDS)


SENDS_AT_ONCE = 8
"""Groups sent to at the same time: each send takes connections from the channel layer's
pool, which refuses past its size."""


async def _send(batches: dict[str, list[dict]]) -> None:
    layer = get_channel_layer()
    room = asyncio.Semaphore(SENDS_AT_ONCE)

    async def send(group: str, entries: list[dict]) -> None:
        async with room:
            await layer.group_send(group, {"type": BATCH_TYPE, "entries": entries})

    await asyncio.gather(*(send(group, entries) for group, entries in batches.items()))


_loop: asyncio.AbstractEventLoop | None = None
_loop_pid = 0
_loop_lock = threading.Lock()


def _sender() -> asyncio.AbstractEventLoop:
    """This process's sending loop, running on a daemon thread; a new one in a forked
    child (a worker's pool process), whose copy of its parent's loop has no thread."""
    global _loop, _loop_pid
    with _loop_lock:
        if _loop is None or _loop_pid != os.getpid():
            _loop, _loop_pid = asyncio.new_event_loop(), os.getpid()
            threading.Thread(target=_loop.run_forever, name="feed-sender", daemon=True).start()
        return _loop
