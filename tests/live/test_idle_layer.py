"""The channel layer outlives an idle spell longer than its connection's socket timeout."""

from __future__ import annotations

import asyncio

from channels.layers import get_channel_layer


async def test_a_receive_that_waits_longer_than_five_seconds_still_gets_its_message() -> None:
    layer = get_channel_layer()
    channel = await layer.new_channel()
    waiting = asyncio.create_task(layer.receive(channel))

    await asyncio.sleep(6.5)  # past redis-py's default socket timeout (5 s), sending nothing
    await layer.send(channel, {"type": "feed.message", "message": {"n": 1}})

    assert await asyncio.wait_for(waiting, 5) == {"type": "feed.message", "message": {"n": 1}}
