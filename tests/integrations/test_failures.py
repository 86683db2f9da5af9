"""Receivers that fail: answered 500, too slow, down for a while, gone (410), failing
until dead-lettered or disabled; and a relay worker killed mid-delivery. Every delivery
keeps its webhook-id from one attempt to the next."""

from __future__ import annotations

import threading
import time

from contexts.integrations import endpoints
from contexts.integrations.models import WebhookDelivery, WebhookEndpoint
from tests.integrations.conftest import create_product, deliveries, place_orders, register
from tests.integrations.receivers import Receiver, wait_for


def answers(*statuses: int, then: int = 204):
    """Answer these statuses to the first requests, then `then` to every other."""
    given = iter(statuses)
    return lambda receiver, headers, body: next(given, then)


def delivery_of(endpoint: WebhookEndpoint) -> WebhookDelivery:
    [delivery] = deliveries(endpoint)
    return delivery


def placed_one_order(endpoint: WebhookEndpoint) -> WebhookDelivery:
    """One order placed; the endpoint (subscribed to order.placed) owes one delivery."""
    product, _ = create_product()
    place_orders(product, 1)
    wait_for(lambda: len(deliveries(endpoint)) == 1, what="the delivery written")
    return delivery_of(endpoint)


def test_a_receiver_answering_500_twice_gets_the_event_on_the_third_attempt(
    relay, receivers
) -> None:
    relay()
    receiver = receivers(answers(500, 500))
    endpoint = register(receiver, ("order.placed",))

    placed_one_order(endpoint)
    wait_for(lambda: delivery_of(endpoint).status == "delivered", what="delivered")

    assert [r.status for r in receiver.requests()] == [500, 500, 204]
    assert len({r.message_id for r in receiver.requests()}) == 1
    delivery = delivery_of(endpoint)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 3, 204)
    assert receiver.requests()[0].message_id == delivery.message_id


def test_a_receiver_that_does_not_answer_within_10_s_gets_it_again(relay, receivers) -> None:
    relay()
    answering = threading.Event()

    def slow(receiver: Receiver, headers: dict, body: bytes) -> int:
        answering.wait(12)
        return 204

    receiver = receivers(slow)
    endpoint = register(receiver, ("order.placed",))

    placed_one_order(endpoint)
    wait_for(lambda: delivery_of(endpoint).last_error != "", timeout=30, what="timed out")
    timed_out = delivery_of(endpoint)
    answering.set()
    wait_for(lambda: delivery_of(endpoint).status == "delivered", what="delivered")

    assert (timed_out.status, timed_out.last_status_code) == ("pending", None)
    assert timed_out.last_error == "no answer within 10 s"
    assert 10_000 <= timed_out.last_latency_ms < 11_000
    assert len(set(receiver.arrived)) == 1 and len(receiver.arrived) >= 2


def test_a_receiver_that_is_down_gets_the_events_when_it_comes_back(relay, receivers) -> None:
    relay()
    down = receivers()
    down.stop()  # its port is closed: connections are refused
    endpoint = register(down, ("order.placed", "item.purchased"))

    product, _ = create_product()
    [order_id] = place_orders(product, 1)
    wait_for(lambda: any(d.attempts >= 2 for d in deliveries(endpoint)), what="refused twice")
    refused = deliveries(endpoint)
    back = receivers(port=down.port)
    wait_for(
        lambda: [d.status for d in deliveries(endpoint)] == ["delivered", "delivered"],
        what="delivered once back",
    )

    assert [d.attempts for d in refused][1] == 0, "the order's second event waited"
    assert refused[0].last_error.startswith("could not connect: ")
    assert [r.event["type"] for r in back.delivered()] == ["order.placed", "item.purchased"]
    assert {r.event["data"]["orderId"] for r in back.delivered()} == {str(order_id)}


def test_410_gone_disables_the_endpoint_at_once(relay, receivers) -> None:
    relay()
    receiver = receivers(answers(then=410))
    endpoint = register(receiver, ("order.placed", "item.purchased"))

    product, _ = create_product()
    place_orders(product, 1)
    wait_for(lambda: not WebhookEndpoint.objects.get(id=endpoint.id).enabled, what="disabled")
    time.sleep(2)  # sweeps every 0.5 s: time enough for any further attempt

    endpoint.refresh_from_db()
    assert endpoint.disabled_reason == "The receiver answered 410 Gone."
    assert [r.status for r in receiver.requests()] == [410]
    assert [(d.status, d.attempts) for d in deliveries(endpoint)] == [
        ("pending", 1),
        ("pending", 0),
    ]


def test_a_delivery_failing_past_its_last_retry_is_dead_and_can_be_redelivered(
    relay, receivers
) -> None:
    relay(SHOP_WEBHOOK_RETRY_SECONDS="0.2,0.2")
    failing = threading.Event()
    failing.set()
    receiver = receivers(lambda r, h, b: 500 if failing.is_set() else 204)
    endpoint = register(receiver, ("order.placed",))

    placed_one_order(endpoint)
    wait_for(lambda: delivery_of(endpoint).status == "dead", what="dead-lettered")
    time.sleep(1.5)  # a dead delivery is not tried again
    dead = delivery_of(endpoint)
    tried = (dead.attempts, dead.last_status_code)
    failing.clear()
    endpoints.redeliver(dead)
    wait_for(lambda: delivery_of(endpoint).status == "delivered", what="redelivered")

    assert tried == (3, 500)
    assert [r.status for r in receiver.requests()] == [500, 500, 500, 204]
    assert {r.message_id for r in receiver.requests()} == {dead.message_id}


def test_an_endpoint_failing_for_the_whole_spell_is_disabled(relay, receivers) -> None:
    relay(SHOP_WEBHOOK_DISABLE_AFTER="1.5")
    receiver = receivers(answers(then=503))
    endpoint = register(receiver, ("order.placed",))

    placed_one_order(endpoint)
    wait_for(lambda: not WebhookEndpoint.objects.get(id=endpoint.id).enabled, what="disabled")

    endpoint.refresh_from_db()
    assert endpoint.disabled_reason.startswith("Every attempt failed for 0.000416667 hours")
    tried = delivery_of(endpoint).attempts
    assert tried >= 2 and len(receiver.requests()) == tried
    assert delivery_of(endpoint).status == "pending", "held for when it is enabled again"


def test_a_relay_killed_mid_delivery_delivers_it_again_after_restart(relay, receivers) -> None:
    worker = relay()
    released = threading.Event()

    def held(receiver: Receiver, headers: dict, body: bytes) -> int:
        released.wait(20)
        return 204

    receiver = receivers(held)
    endpoint = register(receiver, ("order.placed",))

    placed_one_order(endpoint)
    wait_for(lambda: len(receiver.arrived) == 1, what="the first attempt in flight")
    worker.kill()
    released.set()
    relay()
    wait_for(lambda: delivery_of(endpoint).status == "delivered", what="delivered after restart")

    assert len(receiver.arrived) >= 2
    assert set(receiver.arrived) == {delivery_of(endpoint).message_id}
