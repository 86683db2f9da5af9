"""The channel layer loses messages silently; a socket never does.

A live entry carries the position of its group's previous message: one beyond what the
socket sent is a gap, refilled from the feed table before the entry goes out. A lost last
message shows at the next heartbeat, when the socket finds the feed's head ahead of it.
"""

from __future__ import annotations

import asyncio

import pytest
from channels.db import database_sync_to_async as db
from django.db import connection

from tests.live.support import (
    TIMEOUT,
    as_sent,
    connected_socket,
    deposit,
    feed_after,
    feed_head,
    lose_batches,
    open_account,
    receive,
)
from tests.pipeline.bakers import STAFF_GROUP, owner_group

pytestmark = pytest.mark.integration


async def test_a_lost_batch_is_refilled_from_the_table_before_the_next_message(
    make_user, token_for, monkeypatch, refills
) -> None:
    ann, staff = await db(make_user)(), await db(make_user)(True)
    account = await db(open_account)(ann.username, "1.00")
    head = await db(feed_head)()
    ann_socket = await connected_socket(await db(token_for)(ann))
    staff_socket = await connected_socket(await db(token_for)(staff), after=head)
    await db(deposit)(account, ann.username, "2.00")
    [live] = await db(feed_after)(head)
    assert await receive(ann_socket, 1) == as_sent([live], None)
    assert await receive(staff_socket, 1) == as_sent([live], head)  # live: caught up
    lost = lose_batches(monkeypatch)
    lost.extend([owner_group(ann.username), STAFF_GROUP])

    await db(deposit)(account, ann.username, "3.00")  # lost for both groups
    await db(deposit)(account, ann.username, "4.00")  # arrives, linked to the lost one

    expected = await db(feed_after)(live["position"])
    assert [m["orderId"] for m in expected] == [str(account)] * 2
    assert lost == []
    assert await receive(ann_socket, 2) == as_sent(expected, live["position"])
    assert await receive(staff_socket, 2) == as_sent(expected, live["position"])
    assert refills == [head, live["position"], live["position"]]  # catch-up, then refills
    for socket in (ann_socket, staff_socket):
        assert await socket.receive_nothing()
        await socket.disconnect()


async def test_a_lost_first_message_of_a_group_is_refilled(
    make_user, token_for, monkeypatch, refills
) -> None:
    """A socket without `after` on a feed with no rows yet starts at 0, so even the
    group's very first message, once lost, shows as a gap."""
    ann = await db(make_user)()
    socket = await connected_socket(await db(token_for)(ann))
    lose_batches(monkeypatch).append(owner_group(ann.username))

    account = await db(open_account)(ann.username)  # lost
    await db(deposit)(account, ann.username, "2.00")  # arrives, linked to the lost one

    expected = await db(feed_after)(0, ann.username)
    assert [m["orderId"] for m in expected] == [str(account)] * 2
    assert await receive(socket, 2) == as_sent(expected, None)
    assert refills == [0]
    assert await socket.receive_nothing()
    await socket.disconnect()


async def test_a_lost_last_message_is_refilled_at_the_next_heartbeat(
    make_user, token_for, monkeypatch, settings, refills
) -> None:
    settings.SHOP_WS_HEARTBEAT_SECONDS = 0.2
    ann = await db(make_user)()
    account = await db(open_account)(ann.username)
    [opened] = await db(feed_after)(0, ann.username)
    socket = await connected_socket(await db(token_for)(ann), after=opened["position"])
    first = await socket.receive_json_from(timeout=TIMEOUT)
    lose_batches(monkeypatch).append(owner_group(ann.username))

    await db(deposit)(account, ann.username, "5.00")  # lost, and nothing comes after it
    frames = [await socket.receive_json_from(timeout=TIMEOUT) for _ in range(4)]

    [deposited] = await db(feed_after)(opened["position"], ann.username)
    assert first == {"type": "heartbeat", "position": opened["position"]}
    messages = [frame for frame in frames if frame["type"] != "heartbeat"]
    assert messages == as_sent([deposited], opened["position"])
    before = frames[: frames.index(messages[0])]
    assert before == [{"type": "heartbeat", "position": opened["position"]}] * len(before)
    after = frames[frames.index(messages[0]) + 1 :]
    assert after == [{"type": "heartbeat", "position": deposited["position"]}] * len(after)
    assert refills == [opened["position"]] * 2  # the catch-up on connect, then the refill
    await socket.disconnect()


async def test_a_refill_brings_a_customer_only_their_own_messages(
    make_user, token_for, monkeypatch
) -> None:
    ann, bob = await db(make_user)(), await db(make_user)()
    ann_account = await db(open_account)(ann.username)
    bob_account = await db(open_account)(bob.username)
    head = await db(feed_head)()
    ann_socket = await connected_socket(await db(token_for)(ann), after=head)
    bob_socket = await connected_socket(await db(token_for)(bob), after=head)
    lose_batches(monkeypatch).append(owner_group(ann.username))

    await db(deposit)(ann_account, ann.username, "1.00")  # lost for ann
    await db(deposit)(bob_account, bob.username, "2.00")
    await db(deposit)(ann_account, ann.username, "3.00")  # shows ann the gap

    ann_sees = await db(feed_after)(head, ann.username)
    bob_sees = await db(feed_after)(head, bob.username)
    assert [m["orderId"] for m in ann_sees] == [str(ann_account)] * 2
    assert [m["orderId"] for m in bob_sees] == [str(bob_account)]
    assert await receive(ann_socket, 2) == as_sent(ann_sees, head)
    assert await receive(bob_socket, 1) == as_sent(bob_sees, head)
    for socket in (ann_socket, bob_socket):
        assert await socket.receive_nothing()
        await socket.disconnect()


async def test_losing_every_third_batch_while_deposits_keep_coming_loses_nothing(
    make_user, token_for, monkeypatch, settings
) -> None:
    """Lost batches, refills, heartbeats and live entries all racing: the socket still
    sends its feed exactly, each message once, in order, every link unbroken."""
    settings.SHOP_WS_HEARTBEAT_SECONDS = 0.1
    ann = await db(make_user)()
    account = await db(open_account)(ann.username)
    [opened] = await db(feed_after)(0, ann.username)
    socket = await connected_socket(await db(token_for)(ann), after=opened["position"])
    lost = lose_batches(monkeypatch)

    def keep_depositing() -> None:
        try:
            for n in range(1, 31):
                if n % 3 == 0:
                    lost.append(owner_group(ann.username))
                deposit(account, ann.username, f"{n}.00")
        finally:
            connection.close()

    await asyncio.to_thread(keep_depositing)

    expected = await db(feed_after)(opened["position"], ann.username)
    assert len(expected) == 30
    assert lost == []  # ten batches lost
    messages = []
    while len(messages) < 30:
        frame = await socket.receive_json_from(timeout=TIMEOUT)
        if frame["type"] != "heartbeat":
            messages.append(frame)
    assert messages == as_sent(expected, opened["position"])
    frame = await socket.receive_json_from(timeout=TIMEOUT)
    assert frame == {"type": "heartbeat", "position": expected[-1]["position"]}
    await socket.disconnect()
