"""What a baker sends its live feed's groups after commit: one message per group per batch.

Each group gets `{"type": "feed.batch", "entries": [...]}`, its entries in position order,
each `{"previous": <the position of the group's feed row before this one, or null>,
"message": <the feed row's message>}`. The channel layer may lose a message silently (one
published while Redis is out of reach, or the oldest of a full channel), so the links
are what lets `eventstore.live.FeedConsumer` see that it missed one and refill from the
feed table. They must be read from the table
after commit, the same read as the messages: a baker commits its feed rows in position
order, so the row before one is already there.

One `group_send` per group, all from one event loop: per message and group, a send costs
several times what the message adds to a batch.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

BATCH_TYPE = "feed.batch"
"""The channel-layer type `eventstore.live.FeedConsumer.feed_batch` receives."""


def entry(message: dict, previous: int | None) -> dict:
    """One message of a group's batch, linked to the group's previous feed row."""
    return {"previous": previous, "message": message}


def send_batches(batches: Mapping[str, Iterable[dict]]) -> None:
    """Send each group its entries (already in position order) as one channel message."""
    ready = {group: listed for group, entries in batches.items() if (listed := list(entries))}
    if ready:
        async_to_sync(_send)(ready)


async def _send(batches: dict[str, list[dict]]) -> None:
    layer = get_channel_layer()
    for group, entries in batches.items():
        await layer.group_send(group, {"type": BATCH_TYPE, "entries": entries})
