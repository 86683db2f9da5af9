"""What /ws/order-events sends: whose messages, from where on, and heartbeats."""

from __future__ import annotations

import asyncio
import threading

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async as db
from channels.layers import get_channel_layer

from eventstore.feed_batches import BATCH_TYPE, entry
from tests.live.support import (
    TIMEOUT,
    as_sent,
    connected_socket,
    deposit,
    feed_after,
    feed_head,
    feed_socket,
    open_account,
    receive,
    token_header,
)
from tests.pipeline.bakers import owner_group
from tests.pipeline.consumers import LedgerFeedConsumer

pytestmark = pytest.mark.integration


async def test_a_customer_sees_only_their_own_accounts_and_staff_see_all(
    make_user, token_for
) -> None:
    ann, bob, staff = await db(make_user)(), await db(make_user)(), await db(make_user)(True)
    head = await db(feed_head)()
    ann_socket = await connected_socket(await db(token_for)(ann))
    bob_socket = await connected_socket(await db(token_for)(bob))
    staff_socket = await connected_socket(await db(token_for)(staff))

    ann_account = await db(open_account)(ann.username, "1.00")
    bob_account = await db(open_account)(bob.username, "2.00", "3.00")
    await db(deposit)(ann_account, ann.username, "4.00")

    everything = await db(feed_after)(head)
    ann_sees = [m for m in everything if m["orderId"] == str(ann_account)]
    bob_sees = [m for m in everything if m["orderId"] == str(bob_account)]
    assert [len(everything), len(ann_sees), len(bob_sees)] == [6, 3, 3]
    assert await receive(ann_socket, 3) == as_sent(ann_sees, None)
    assert await receive(bob_socket, 3) == as_sent(bob_sees, None)
    assert await receive(staff_socket, 6) == as_sent(everything, None)
    for socket in (ann_socket, bob_socket, staff_socket):
        assert await socket.receive_nothing()
        await socket.disconnect()


async def test_a_message_has_the_order_event_shape(make_user, token_for) -> None:
    ann = await db(make_user)()
    socket = await connected_socket(await db(token_for)(ann))

    account = await db(open_account)(ann.username)

    [message] = await receive(socket, 1)
    [entry] = await db(feed_after)(0, ann.username)
    assert message == {**entry, "previous": None}
    assert set(message) == {
        "type", "position", "orderId", "event", "occurredAt", "order", "previous"
    }  # fmt: skip
    assert (message["type"], message["orderId"], message["event"]) == (
        "order.event", str(account), "pipeline.AccountOpened"
    )  # fmt: skip
    assert message["order"]["owner"] == ann.username
    await socket.disconnect()


async def test_resuming_replays_exactly_what_came_after_then_goes_live(
    make_user, token_for
) -> None:
    ann, bob = await db(make_user)(), await db(make_user)()
    account = await db(open_account)(ann.username, "1.00", "2.00", "3.00")
    await db(open_account)(bob.username, "9.00")
    opened, *missed = await db(feed_after)(0, ann.username)

    socket = await connected_socket(await db(token_for)(ann), after=opened["position"])
    replayed = await receive(socket, 3)
    await db(deposit)(account, ann.username, "4.00")

    [live] = await db(feed_after)(missed[-1]["position"], ann.username)
    assert replayed == as_sent(missed, opened["position"])
    assert await receive(socket, 1) == as_sent([live], missed[-1]["position"])
    assert await socket.receive_nothing()
    await socket.disconnect()


async def test_staff_resume_with_every_account_after_the_position(make_user, token_for) -> None:
    staff, ann, bob = await db(make_user)(True), await db(make_user)(), await db(make_user)()
    head = await db(feed_head)()
    await db(open_account)(ann.username, "1.00")
    await db(open_account)(bob.username, "2.00")
    missed = await db(feed_after)(head)

    socket = await connected_socket(await db(token_for)(staff), after=head)

    assert len(missed) == 4
    assert await receive(socket, 4) == as_sent(missed, head)
    assert await socket.receive_nothing()
    await socket.disconnect()


async def test_resuming_at_the_head_replays_nothing(make_user, token_for) -> None:
    ann = await db(make_user)()
    await db(open_account)(ann.username, "1.00")
    [*_, last] = await db(feed_after)(0, ann.username)

    socket = await connected_socket(await db(token_for)(ann), after=last["position"])

    assert await socket.receive_nothing()
    await socket.disconnect()


async def test_heartbeats_carry_the_last_position_sent(make_user, token_for, settings) -> None:
    settings.SHOP_WS_HEARTBEAT_SECONDS = 0.1
    ann = await db(make_user)()
    account = await db(open_account)(ann.username)
    [opened] = await db(feed_after)(0, ann.username)
    socket = await connected_socket(await db(token_for)(ann), after=opened["position"])

    first = await socket.receive_json_from(timeout=TIMEOUT)
    await db(deposit)(account, ann.username, "5.00")
    frames = [await socket.receive_json_from(timeout=TIMEOUT) for _ in range(6)]

    [deposited] = await db(feed_after)(opened["position"], ann.username)
    assert first == {"type": "heartbeat", "position": opened["position"]}
    messages = [f for f in frames if f["type"] != "heartbeat"]
    assert messages == as_sent([deposited], opened["position"])
    after_it = frames[frames.index(messages[0]) + 1 :]
    assert after_it and after_it == [
        {"type": "heartbeat", "position": deposited["position"]}
    ] * len(after_it)
    await socket.disconnect()


async def test_a_live_only_client_heartbeats_no_position_until_it_gets_a_message(
    make_user, token_for, settings
) -> None:
    settings.SHOP_WS_HEARTBEAT_SECONDS = 0.1
    ann = await db(make_user)()

    socket = await connected_socket(await db(token_for)(ann))

    assert await socket.receive_json_from(timeout=TIMEOUT) == {
        "type": "heartbeat", "position": None
    }  # fmt: skip
    await socket.disconnect()


async def test_a_failed_replay_closes_with_1011_so_the_client_resumes(
    make_user, token_for, monkeypatch
) -> None:
    def broken_replay(self, user, after: int, limit: int) -> list[dict]:
        raise RuntimeError("the feed table is unreachable")

    monkeypatch.setattr(LedgerFeedConsumer, "replay", broken_replay)
    socket = feed_socket(token_header(await db(token_for)(await db(make_user)())), after=0)

    connected, _ = await socket.connect(timeout=TIMEOUT)

    assert connected
    assert await socket.receive_output(timeout=TIMEOUT) == {
        "type": "websocket.close",
        "code": 1011,
        "reason": "replay failed; reconnect with the last position",
    }
    assert await socket.receive_nothing()
    await socket.disconnect()


async def test_a_live_batch_reaches_its_socket_while_the_sync_thread_is_busy(
    make_user, token_for
) -> None:
    """Channels' dispatch would first queue each message for the process's one thread
    for synchronous code, behind every socket's heartbeat queries; live batches skip it."""
    ann = await db(make_user)()
    socket = await connected_socket(await db(token_for)(ann))
    busy, release = threading.Event(), threading.Event()

    def hold_the_sync_thread() -> None:
        busy.set()
        release.wait(TIMEOUT * 2)

    holding = asyncio.create_task(sync_to_async(hold_the_sync_thread)())
    assert await asyncio.to_thread(busy.wait, TIMEOUT)
    message = {"type": "order.event", "position": 2**40, "orderId": "live-only"}
    try:
        batch = {"type": BATCH_TYPE, "entries": [entry(message, None)]}
        await get_channel_layer().group_send(owner_group(ann.username), batch)

        assert await socket.receive_json_from(timeout=TIMEOUT) == {**message, "previous": None}
    finally:
        release.set()
        await holding
    await socket.disconnect()
