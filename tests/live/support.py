"""Helpers for the live-feed tests: bake ledger events inline and open feed sockets."""

from __future__ import annotations

import asyncio
import uuid
from decimal import Decimal

import pytest
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.db.models import Max

from eventstore.executor import Executor
from eventstore.inbox import submit
from eventstore.subscribers import Runner, registry
from tests.pipeline import domain
from tests.pipeline.asgi import application
from tests.pipeline.models import AccountFeedEntry

ORIGIN = (b"origin", b"http://testserver")
HOST = (b"host", b"testserver")
TIMEOUT = 5


def token_header(key: str) -> tuple[bytes, bytes]:
    return (b"authorization", f"Token {key}".encode())


def cookie_header(session_key: str) -> tuple[bytes, bytes]:
    return (b"cookie", f"{settings.SESSION_COOKIE_NAME}={session_key}".encode())


def feed_socket(*headers: tuple[bytes, bytes], after: object = None) -> WebsocketCommunicator:
    """A client of /ws/order-events at http://testserver from the site's own origin,
    unless headers say otherwise."""
    path = "/ws/order-events" if after is None else f"/ws/order-events?after={after}"
    for default in (ORIGIN, HOST):
        if not any(name == default[0] for name, _ in headers):
            headers = (default, *headers)
    return WebsocketCommunicator(application, path, headers=list(headers))


def bake() -> None:
    """Execute pending commands and run the ledger baker, which pushes after commit."""
    Executor().run()
    Runner(registry.named("pipeline.ledger")).catch_up()


def open_account(owner: str, *amounts: str) -> uuid.UUID:
    account = uuid.uuid4()
    submit(domain.OpenAccount(account, owner), actor=owner)
    deposit(account, owner, *amounts)
    return account


def deposit(account: uuid.UUID, owner: str, *amounts: str) -> None:
    for amount in amounts:
        submit(domain.Deposit(account, Decimal(amount)), actor=owner)
    bake()


def feed_head() -> int:
    """The feed's head once whatever earlier tests left pending is executed and baked, so
    that only this test's own events come after it."""
    Executor().run()
    Runner(registry.named("pipeline.ledger")).catch_up()
    return AccountFeedEntry.objects.aggregate(head=Max("position"))["head"] or 0


def feed_after(after: int, owner: str | None = None) -> list[dict]:
    """The feed rows after a position (one owner's, or all), as the socket should send them."""
    entries = AccountFeedEntry.objects.filter(position__gt=after)
    if owner is not None:
        entries = entries.filter(owner=owner)
    return list(entries.order_by("position").values_list("message", flat=True))


def as_sent(messages: list[dict], previous: int | None) -> list[dict]:
    """Feed rows as a socket sends them: each with the position its client had before it,
    starting from `previous` (the socket's `after`, or None)."""
    sent = []
    for message in messages:
        sent.append({**message, "previous": previous})
        previous = message["position"]
    return sent


def lose_batches(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Groups whose next feed batch the channel layer loses, once per time a group is
    listed: silently, as the pub/sub layer loses one published while a process's Redis
    connection is down."""
    layer = get_channel_layer()
    send = layer.group_send
    losing: list[str] = []

    async def group_send(group: str, message: dict) -> None:
        if group in losing:
            losing.remove(group)
            return
        await send(group, message)

    monkeypatch.setattr(layer, "group_send", group_send)
    return losing


async def layer_reading() -> None:
    """Return once this event loop's channel layer reads from Redis. channels_redis starts
    a loop's reader with its first subscription, and the reader first sleeps 0.1 s: what is
    published meanwhile waits in Redis's socket, then comes all at once."""
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.send(channel, {"type": "layer.reading"})
    assert await asyncio.wait_for(layer.receive(channel), TIMEOUT) == {"type": "layer.reading"}


async def connected_socket(token: str, after: object = None) -> WebsocketCommunicator:
    """A feed socket signed in with `token`, connected."""
    socket = feed_socket(token_header(token), after=after)
    connected, _ = await socket.connect(timeout=TIMEOUT)
    assert connected
    return socket


async def receive(socket: WebsocketCommunicator, count: int) -> list[dict]:
    return [await socket.receive_json_from(timeout=TIMEOUT) for _ in range(count)]
