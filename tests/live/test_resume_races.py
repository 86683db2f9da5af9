"""Resuming while the baker keeps pushing: every message once, in order, nothing missed.

The replay hook is wrapped to bake events at the racy moments: after the consumer joined
its groups but before it queries, after its last query, and between pages.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

import pytest
from channels.db import database_sync_to_async as db
from django.db import connection

from tests.live.support import (
    TIMEOUT,
    as_sent,
    deposit,
    feed_after,
    feed_socket,
    lose_batches,
    open_account,
    receive,
    token_header,
)
from tests.pipeline.bakers import owner_group
from tests.pipeline.consumers import LedgerFeedConsumer

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("reading_layer")]


@pytest.fixture
def pushed(monkeypatch) -> list[tuple[int, bool]]:
    """(position, whether the consumer was live yet) of each live message it was handed."""
    arrivals: list[tuple[int, bool]] = []
    original = LedgerFeedConsumer.feed_batch

    async def spy(self, event: dict) -> None:
        arrivals.extend((entry["message"]["position"], self.live) for entry in event["entries"])
        await original(self, event)

    monkeypatch.setattr(LedgerFeedConsumer, "feed_batch", spy)
    return arrivals


@pytest.fixture
def slow_client(monkeypatch) -> None:
    """Each order message takes a while to send, so live ones arrive mid-replay."""
    original = LedgerFeedConsumer.send_json

    async def slow_send(self, content: dict, close: bool = False) -> None:
        if content["type"] == "order.event":
            await asyncio.sleep(0.05)
        await original(self, content, close)

    monkeypatch.setattr(LedgerFeedConsumer, "send_json", slow_send)


def bake_during_replay(monkeypatch, bake: Callable[[int, list[dict]], None]) -> list[int]:
    """Call `bake(call_number, page)` inside each replay query, after it read its page."""
    calls: list[int] = []
    original = LedgerFeedConsumer.replay

    def replay(self, user, after: int, limit: int) -> list[dict]:
        calls.append(after)
        page = original(self, user, after, limit)
        bake(len(calls), page)
        return page

    monkeypatch.setattr(LedgerFeedConsumer, "replay", replay)
    return calls


async def test_a_message_baked_after_the_join_and_before_the_replay_query_arrives_once(
    make_user, token_for, monkeypatch, pushed, slow_client
) -> None:
    ann = await db(make_user)()
    account = await db(open_account)(ann.username, "1.00")
    opened, _ = await db(feed_after)(0, ann.username)
    original = LedgerFeedConsumer.replay
    calls: list[int] = []

    def deposit_then_replay(self, user, after: int, limit: int) -> list[dict]:
        if not calls:  # joined, not yet queried: the new row is replayed and pushed live
            deposit(account, ann.username, "2.00")
        calls.append(after)
        return original(self, user, after, limit)

    monkeypatch.setattr(LedgerFeedConsumer, "replay", deposit_then_replay)
    socket = feed_socket(token_header(await db(token_for)(ann)), after=opened["position"])
    await socket.connect(timeout=TIMEOUT)

    received = await receive(socket, 2)

    expected = await db(feed_after)(opened["position"], ann.username)
    assert received == as_sent(expected, opened["position"])
    assert await socket.receive_nothing()
    assert pushed == [(expected[-1]["position"], False)]  # its live copy came, was dropped
    await socket.disconnect()


async def test_a_message_baked_after_the_last_replay_query_arrives_from_the_buffer(
    make_user, token_for, monkeypatch, pushed, slow_client
) -> None:
    ann = await db(make_user)()
    account = await db(open_account)(ann.username, "1.00")
    opened, _ = await db(feed_after)(0, ann.username)

    def deposit_once(call: int, page: list[dict]) -> None:
        if call == 1:  # the page is short, so this was the last query
            deposit(account, ann.username, "2.00")

    calls = bake_during_replay(monkeypatch, deposit_once)
    socket = feed_socket(token_header(await db(token_for)(ann)), after=opened["position"])
    await socket.connect(timeout=TIMEOUT)

    received = await receive(socket, 2)

    expected = await db(feed_after)(opened["position"], ann.username)
    assert received == as_sent(expected, opened["position"])
    assert await socket.receive_nothing()
    assert calls == [opened["position"]]
    assert pushed == [(expected[-1]["position"], False)]
    await socket.disconnect()


async def test_a_paged_replay_with_messages_baked_between_pages(
    make_user, token_for, monkeypatch, pushed
) -> None:
    ann = await db(make_user)()
    account = await db(open_account)(ann.username, "1.00", "2.00", "3.00", "4.00", "5.00")
    opened, *_ = await db(feed_after)(0, ann.username)
    monkeypatch.setattr(LedgerFeedConsumer, "replay_page", 2)

    def deposit_after_the_first_page(call: int, page: list[dict]) -> None:
        if call == 1:
            deposit(account, ann.username, "6.00")

    calls = bake_during_replay(monkeypatch, deposit_after_the_first_page)
    socket = feed_socket(token_header(await db(token_for)(ann)), after=opened["position"])
    await socket.connect(timeout=TIMEOUT)

    received = await receive(socket, 6)

    expected = await db(feed_after)(opened["position"], ann.username)
    assert received == as_sent(expected, opened["position"])
    assert await socket.receive_nothing()
    positions = [m["position"] for m in expected]
    assert calls == [opened["position"], positions[1], positions[3], positions[5]]
    assert pushed == [(positions[5], False)]
    await socket.disconnect()


async def test_resuming_while_deposits_keep_coming_sends_the_feed_rows_exactly(
    make_user, token_for, monkeypatch, pushed, slow_client
) -> None:
    ann = await db(make_user)()
    account = await db(open_account)(ann.username)
    [opened] = await db(feed_after)(0, ann.username)
    token = await db(token_for)(ann)
    monkeypatch.setattr(LedgerFeedConsumer, "replay_page", 3)
    started = threading.Event()

    def keep_depositing() -> None:
        try:
            for n in range(1, 41):
                deposit(account, ann.username, f"{n}.00")
                if n == 10:
                    started.set()
        finally:
            connection.close()

    producer = asyncio.ensure_future(asyncio.to_thread(keep_depositing))
    await asyncio.to_thread(started.wait, TIMEOUT)
    socket = feed_socket(token_header(token), after=opened["position"])
    await socket.connect(timeout=TIMEOUT)
    await producer

    expected = await db(feed_after)(opened["position"], ann.username)
    assert len(expected) == 40
    assert await receive(socket, 40) == as_sent(expected, opened["position"])
    assert any(not live for _, live in pushed)  # the race did happen: live copies mid-replay
    assert await socket.receive_nothing()
    await socket.disconnect()


async def test_a_message_the_layer_lost_during_the_replay_is_read_again_before_the_next(
    make_user, token_for, monkeypatch, pushed, slow_client
) -> None:
    ann = await db(make_user)()
    account = await db(open_account)(ann.username, "1.00")
    opened, deposited = await db(feed_after)(0, ann.username)
    lost = lose_batches(monkeypatch)

    def deposit_twice(call: int, page: list[dict]) -> None:
        if call == 1:  # the last query: both arrive live, the first one never
            lost.append(owner_group(ann.username))
            deposit(account, ann.username, "2.00")
            deposit(account, ann.username, "3.00")

    calls = bake_during_replay(monkeypatch, deposit_twice)
    socket = feed_socket(token_header(await db(token_for)(ann)), after=opened["position"])
    await socket.connect(timeout=TIMEOUT)

    received = await receive(socket, 3)

    expected = await db(feed_after)(opened["position"], ann.username)
    assert received == as_sent(expected, opened["position"])
    assert await socket.receive_nothing()
    assert lost == []
    assert calls == [opened["position"], deposited["position"]]  # catch-up, then the refill
    assert [position for position, _ in pushed] == [expected[-1]["position"]]
    await socket.disconnect()
