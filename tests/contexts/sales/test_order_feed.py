"""/ws/order-events as shop.asgi serves it: staff see every order, naming its customer, a
customer only their own, naming nobody, live after commit and replayed after a position.
Real commits, Redis and the gate."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from channels.db import database_sync_to_async as db
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import User

from contexts.sales import domain
from contexts.sales.feed import STAFF_GROUP, customer_group, served
from contexts.sales.models import OrderFeedEntry
from eventstore.inbox import submit
from shop.asgi import application
from shop.customers import customer_id_for
from shop.tokens.keys import issue
from tests.contexts.sales.support import AT, bake, create_product, execute, place_order
from tests.live.support import as_sent, lose_batches
from tests.staff import join

pytestmark = pytest.mark.integration

TIMEOUT = 5


def user_with_token(staff: bool = False) -> tuple[User, str]:
    user = User.objects.create_user(f"sales-{uuid.uuid4().hex[:12]}", is_staff=staff)
    if staff:
        join(user, "support")  # the group that watches every order
    return user, issue(user).key


async def connected(token: str, after: int | None = None) -> WebsocketCommunicator:
    path = "/ws/order-events" if after is None else f"/ws/order-events?after={after}"
    headers = [
        (b"host", b"testserver"),
        (b"origin", b"http://testserver"),
        (b"authorization", f"Token {token}".encode()),
    ]
    socket = WebsocketCommunicator(application, path, headers=headers)
    connected, _ = await socket.connect(timeout=TIMEOUT)
    assert connected
    return socket


def a_product() -> uuid.UUID:
    product = create_product("pc", "3200.00")
    execute()
    bake("sales.products")
    bake("sales.orders")  # a settled feed: only this test's orders come after
    return product


def order_and_bake(customer: uuid.UUID, product: uuid.UUID) -> uuid.UUID:
    order = place_order(customer, (product, 1))
    execute()
    bake("sales.orders")
    return order


def cancel_and_bake(order: uuid.UUID) -> None:
    submit(domain.CancelOrder(order, "changed my mind", "customer", AT), actor="test")
    execute()
    bake("sales.orders")


def stored_messages_of(order: uuid.UUID) -> list[dict]:
    entries = OrderFeedEntry.objects.filter(order_id=order).order_by("position")
    return list(entries.values_list("message", flat=True))


def messages_of(order: uuid.UUID) -> list[dict]:
    """An order's feed rows as they go out: with the currency beside the total."""
    return [served(message) for message in stored_messages_of(order)]


def named(messages: list[dict], names: dict[str, str | None]) -> list[dict]:
    """Messages going out (`messages_of`) as staff get them: each order with its
    customer's username, given here per order id (None for a customer id no user has)."""
    return [{**m, "order": {**m["order"], "customerName": names[m["orderId"]]}} for m in messages]


async def receive(socket: WebsocketCommunicator, count: int) -> list[dict]:
    return [await socket.receive_json_from(timeout=TIMEOUT) for _ in range(count)]


async def test_customers_get_their_own_orders_live_and_staff_get_all(committed_db: None) -> None:
    (ann, ann_token), (_, staff_token) = (
        await db(user_with_token)(),
        await db(user_with_token)(True),
    )
    product = await db(a_product)()
    ann_socket, staff_socket = await connected(ann_token), await connected(staff_token)

    ann_order = await db(order_and_bake)(customer_id_for(ann), product)
    other_order = await db(order_and_bake)(uuid.uuid4(), product)
    await db(cancel_and_bake)(ann_order)

    ann_messages = await db(messages_of)(ann_order)
    other_messages = await db(messages_of)(other_order)
    assert [m["event"] for m in ann_messages] == ["sales.OrderPlaced", "sales.OrderCancelled"]
    assert ann_messages[1]["order"]["status"] == "cancelled"
    assert await receive(ann_socket, 2) == as_sent(ann_messages, None)  # naming nobody
    staff_messages = await receive(staff_socket, 3)
    everyones = sorted(ann_messages + other_messages, key=lambda m: m["position"])
    names = {str(ann_order): ann.username, str(other_order): None}
    assert staff_messages == as_sent(named(everyones, names), None)
    for socket in (ann_socket, staff_socket):
        assert await socket.receive_nothing()
        await socket.disconnect()


async def test_a_customer_resuming_gets_only_their_missed_messages(committed_db: None) -> None:
    ann, ann_token = await db(user_with_token)()
    product = await db(a_product)()
    ann_order = await db(order_and_bake)(customer_id_for(ann), product)
    await db(order_and_bake)(uuid.uuid4(), product)
    await db(cancel_and_bake)(ann_order)
    placed, cancelled = await db(messages_of)(ann_order)

    socket = await connected(ann_token, after=placed["position"])

    assert await receive(socket, 1) == as_sent([cancelled], placed["position"])
    assert await socket.receive_nothing()
    await socket.disconnect()


async def test_staff_resuming_get_the_missed_messages_naming_the_customer(
    committed_db: None,
) -> None:
    (ann, _), (_, staff_token) = await db(user_with_token)(), await db(user_with_token)(True)
    product = await db(a_product)()
    ann_order = await db(order_and_bake)(customer_id_for(ann), product)
    await db(cancel_and_bake)(ann_order)
    placed, cancelled = await db(messages_of)(ann_order)

    socket = await connected(staff_token, after=placed["position"])

    expected = named([cancelled], {str(ann_order): ann.username})
    assert await receive(socket, 1) == as_sent(expected, placed["position"])
    assert await socket.receive_nothing()
    await socket.disconnect()


def feed_since(position: int) -> list[tuple[int, uuid.UUID, dict]]:
    """Feed rows after `position`, each message as it goes out."""
    entries = OrderFeedEntry.objects.filter(position__gt=position).order_by("position")
    rows = entries.values_list("position", "customer_id", "message")
    return [(at, customer, served(message)) for at, customer, message in rows]


def last_position(customer: uuid.UUID | None = None) -> int | None:
    entries = OrderFeedEntry.objects.all()
    if customer is not None:
        entries = entries.filter(customer_id=customer)
    return entries.order_by("position").values_list("position", flat=True).last()


@pytest.fixture
def group_sends(monkeypatch) -> list[tuple[str, dict]]:
    """Every group_send of this process, passed on to the layer."""
    layer = get_channel_layer()
    send = layer.group_send
    sent: list[tuple[str, dict]] = []

    async def recording(group: str, message: dict) -> None:
        sent.append((group, message))
        await send(group, message)

    monkeypatch.setattr(layer, "group_send", recording)
    return sent


def test_a_batch_goes_to_each_group_once_linked_to_that_groups_previous_message(
    committed_db: None, group_sends: list[tuple[str, dict]]
) -> None:
    product = a_product()
    ann_user = User.objects.create_user(f"ann-{uuid.uuid4().hex[:12]}")
    ann, bob = customer_id_for(ann_user), uuid.uuid4()  # bob: no user has his id
    order_and_bake(ann, product)
    head, anns_head = last_position(), last_position(ann)
    group_sends.clear()

    for customer in (ann, bob, ann):
        place_order(customer, (product, 1))
    execute()
    bake("sales.orders")  # one batch of three orders

    rows = feed_since(head)
    assert [customer for _, customer, _ in rows] == [ann, bob, ann]
    (first, _, a1), (second, _, b1), (_, _, a2) = rows
    names = {
        a1["orderId"]: ann_user.username,
        b1["orderId"]: None,
        a2["orderId"]: ann_user.username,
    }
    staff_a1, staff_b1, staff_a2 = named([a1, b1, a2], names)
    assert group_sends == [
        (STAFF_GROUP, {"type": "feed.batch", "entries": [
            {"previous": head, "message": staff_a1},
            {"previous": first, "message": staff_b1},
            {"previous": second, "message": staff_a2},
        ]}),
        (customer_group(ann), {"type": "feed.batch", "entries": [
            {"previous": anns_head, "message": a1},
            {"previous": first, "message": a2},
        ]}),
        (customer_group(bob), {"type": "feed.batch", "entries": [
            {"previous": None, "message": b1},
        ]}),
    ]  # fmt: skip


async def test_a_customer_refilling_after_a_lost_message_gets_only_their_own(
    committed_db: None, monkeypatch
) -> None:
    (ann, ann_token), (_, staff_token) = (
        await db(user_with_token)(),
        await db(user_with_token)(True),
    )
    product = await db(a_product)()
    ann_socket, staff_socket = await connected(ann_token), await connected(staff_token)
    head = await db(last_position)()
    lose_batches(monkeypatch).append(customer_group(customer_id_for(ann)))

    ann_order = await db(order_and_bake)(customer_id_for(ann), product)  # lost for ann
    other_order = await db(order_and_bake)(uuid.uuid4(), product)
    await db(cancel_and_bake)(ann_order)  # shows ann the gap

    ann_messages = await db(messages_of)(ann_order)
    everyones = [message for _, _, message in await db(feed_since)(head)]
    assert [m["orderId"] for m in everyones] == [str(ann_order), str(other_order), str(ann_order)]
    assert await receive(ann_socket, 2) == as_sent(ann_messages, None)
    names = {str(ann_order): ann.username, str(other_order): None}
    assert await receive(staff_socket, 3) == as_sent(named(everyones, names), None)
    for socket in (ann_socket, staff_socket):
        assert await socket.receive_nothing()
        await socket.disconnect()


async def test_messages_go_out_live_and_replayed_in_the_currency_set_now(
    committed_db: None, settings: Any
) -> None:
    ann, ann_token = await db(user_with_token)()
    product = await db(a_product)()
    settings.SHOP_CURRENCY = "USD"
    live_socket = await connected(ann_token)
    ann_order = await db(order_and_bake)(customer_id_for(ann), product)

    [live] = await receive(live_socket, 1)
    replay_socket = await connected(ann_token, after=live["position"] - 1)
    [replayed] = await receive(replay_socket, 1)

    [stored] = await db(stored_messages_of)(ann_order)
    assert set(stored["order"]) == {
        "orderId", "customerId", "status", "total", "itemCount", "placedAt", "updatedAt"
    }  # fmt: skip
    expected = {**stored, "order": {**stored["order"], "currency": "USD"}}
    assert live == {**expected, "previous": None}
    assert replayed == {**expected, "previous": live["position"] - 1}
    assert (live["order"]["total"], live["order"]["currency"]) == ("3200.00", "USD")
    for socket in (live_socket, replay_socket):
        await socket.disconnect()
