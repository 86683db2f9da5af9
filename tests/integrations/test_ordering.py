"""Each order's events reach an endpoint in order, however its deliveries fail and
retry, while other orders go on; a slow endpoint holds up no other endpoint; a replay
re-sends exactly the events after its time."""

from __future__ import annotations

import random
import threading
import time
from collections import defaultdict
from decimal import Decimal

from django.utils import timezone

from contexts.integrations import endpoints
from contexts.invoicing import domain as invoicing
from contexts.shared.values import derived_id
from eventstore.inbox import submit
from tests.integration.processes import wait_until_executed
from tests.integrations.conftest import STAFF, create_product, deliveries, place_orders, register
from tests.integrations.receivers import Receiver, wait_for

EACH_ORDER = ["order.placed", "item.purchased", "invoice.issued", "order.paid"]


def flaky(seed: int, failing: float):
    """500 to a share of requests, at random; 204 to the rest."""
    chance, lock = random.Random(seed), threading.Lock()

    def answer(receiver: Receiver, headers: dict, body: bytes) -> int:
        with lock:
            return 500 if chance.random() < failing else 204

    return answer


def by_order(receiver: Receiver) -> dict[str, list[str]]:
    seen: dict[str, list[str]] = defaultdict(list)
    for request in receiver.delivered():
        seen[request.event["data"]["orderId"]].append(request.event["type"])
    return seen


def test_200_concurrent_orders_each_reach_the_endpoint_in_order_through_failures(
    relay, receivers
) -> None:
    relay()
    receiver = receivers(flaky(seed=14, failing=0.2))
    endpoint = register(receiver, tuple(EACH_ORDER))
    product, _ = create_product("Mug", "8.00")

    orders = place_orders(product, 200)
    # Each invoice must be issued before it is paid: order.placed, item.purchased and
    # invoice.issued owed for every order.
    invoiced = len(orders) * 3
    wait_for(lambda: len(deliveries(endpoint)) == invoiced, timeout=180, what="all invoiced")
    payments = [
        submit(invoicing.RegisterPayment(derived_id("invoice", order_id), Decimal("8.00"),
                                         f"bank-{order_id}", timezone.now()), actor=STAFF)
        for order_id in orders
    ]  # fmt: skip
    total = len(orders) * len(EACH_ORDER)
    wait_for(lambda: len(deliveries(endpoint)) == total, timeout=180, what="all owed")
    wait_until_executed(p.command_id for p in payments)
    wait_for(
        lambda: {d.status for d in deliveries(endpoint)} == {"delivered"},
        timeout=180,
        what="all delivered",
    )

    seen = by_order(receiver)
    assert set(seen) == {str(order_id) for order_id in orders}
    assert {order: types for order, types in seen.items() if types != EACH_ORDER} == {}
    failed = [r for r in receiver.requests() if r.status == 500]
    assert len(failed) > 50, "the receiver failed often enough to test the order"
    retried = {r.message_id for r in failed}
    assert all(d.attempts > 1 for d in deliveries(endpoint) if d.message_id in retried)


def test_a_slow_endpoint_holds_up_no_other_endpoint(relay, receivers) -> None:
    relay()

    def slow(receiver: Receiver, headers: dict, body: bytes) -> int:
        time.sleep(9)
        return 204

    slow_receiver, fast_receiver = receivers(slow), receivers()
    events = ("order.placed", "item.purchased", "invoice.issued")
    slow_endpoint = register(slow_receiver, events)
    fast_endpoint = register(fast_receiver, events)
    product, _ = create_product("Pan", "20.00")

    place_orders(product, 20)
    wait_for(lambda: len(deliveries(fast_endpoint)) == 60, what="all owed")
    wait_for(
        lambda: {d.status for d in deliveries(fast_endpoint)} == {"delivered"},
        what="the fast endpoint served",
    )
    slow_then = [d.status for d in deliveries(slow_endpoint)]

    assert len(slow_then) == 60
    assert slow_then.count("pending") > 0, "the slow endpoint still had a backlog"
    assert len(fast_receiver.delivered()) == 60


def test_replay_since_a_time_sends_exactly_the_events_after_it_again(relay, receivers) -> None:
    relay()
    receiver = receivers()
    endpoint = register(receiver, ("order.placed", "item.purchased", "invoice.issued"))
    product, _ = create_product("Jug", "12.00")
    place_orders(product, 2)
    wait_for(lambda: len(delivered(endpoint)) == 6, what="the first orders delivered")
    since = timezone.now()
    later = place_orders(product, 2)
    wait_for(lambda: len(delivered(endpoint)) == 12, what="the later orders delivered")
    after = [d.message_id for d in deliveries(endpoint) if d.occurred_at > since]
    before = len(receiver.requests())

    replayed = endpoints.replay(endpoint, since)
    wait_for(lambda: len(receiver.requests()) == before + 6, what="replayed")
    time.sleep(1)  # sweeps every 0.5 s: time enough for anything more to go

    again = receiver.requests()[before:]
    assert replayed == 6 and len(again) == 6
    assert sorted(r.message_id for r in again) == sorted(after)
    assert {r.event["data"]["orderId"] for r in again} == {str(o) for o in later}
    for order_id in later:
        types = [r.event["type"] for r in again if r.event["data"]["orderId"] == str(order_id)]
        assert types == ["order.placed", "item.purchased", "invoice.issued"]
    assert len(delivered(endpoint)) == 12


def delivered(endpoint) -> list:
    return [d for d in deliveries(endpoint) if d.status == "delivered"]
