"""How the relay connects: the address is checked again at each delivery and the
connection goes to the address checked, so a DNS answer that turns to 127.0.0.1 after
registration reaches nothing; a redirect is an answer, not followed; a connection is
kept for the next delivery, unless its answer was too long to read.

The relay's turn runs in this process, so the resolver can be scripted; everything else
(Postgres, the receiver on 127.0.0.1, the HTTP client) is real.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.utils import timezone

from contexts.integrations import addresses, catalogue, endpoints, queues, relay, sinks
from contexts.integrations.models import WebhookDelivery, WebhookEndpoint
from tests.integrations.receivers import Receiver

pytestmark = pytest.mark.django_db


@pytest.fixture
def dns(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """The resolver's answers, which a test changes as it goes."""
    answers: dict[str, list[str]] = {}
    monkeypatch.setattr(addresses, "getaddrinfo", lambda host, port: answers[host])
    return answers


@pytest.fixture
def receiver(request: pytest.FixtureRequest) -> Any:
    """A receiver answering 204, or the status a test gives it (indirect parameter)."""
    status = getattr(request, "param", 204)
    started = Receiver(lambda receiver, headers, body: status).start()
    yield started
    started.stop()


def owed_one(
    endpoint: WebhookEndpoint, position: int = 1, order: uuid.UUID | None = None
) -> WebhookDelivery:
    delivery = WebhookDelivery.objects.create(
        id=catalogue.delivery_id(endpoint.id, position, 0), endpoint=endpoint,
        position=position, index=0, event_type="order.paid",
        ordering_key=order or uuid.uuid4(), occurred_at=timezone.now(),
        body='{"type":"order.paid"}', status="pending", next_attempt_at=timezone.now(),
        created_at=timezone.now(),
    )  # fmt: skip
    queues.owe([(endpoint.id, delivery.ordering_key, delivery.next_attempt_at)])
    return delivery


def test_a_dns_answer_that_changes_to_127_0_0_1_is_refused_at_delivery(
    dns: dict, receiver: Receiver
) -> None:
    dns["rebind.example"] = ["93.184.216.34"]
    endpoint = endpoints.register(f"http://rebind.example:{receiver.port}/hooks", ["order.paid"])
    delivery = owed_one(endpoint)
    dns["rebind.example"] = ["127.0.0.1"]

    relay.turn(endpoint.id, seconds=0)

    delivery.refresh_from_db()
    assert receiver.arrived == []
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("pending", 1, None)
    assert delivery.last_error == (
        "refused: The host rebind.example resolves to 127.0.0.1, an address that is loopback,"
        " private, link-local or multicast."
    )


def test_the_connection_goes_to_the_address_checked_with_the_host_named(
    dns: dict, receiver: Receiver, settings: Any
) -> None:
    settings.SHOP_WEBHOOK_ALLOWED_HOSTS = ("receiver.example",)
    dns["receiver.example"] = ["127.0.0.1"]
    endpoint = endpoints.register(f"http://receiver.example:{receiver.port}/hooks", ["order.paid"])
    delivery = owed_one(endpoint)

    relay.turn(endpoint.id, seconds=0)

    delivery.refresh_from_db()
    [request] = receiver.requests()
    assert request.headers["host"] == f"receiver.example:{receiver.port}"
    assert request.message_id == delivery.message_id
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 1, 204)


@pytest.mark.parametrize("receiver", [302], indirect=True)
def test_a_redirect_is_not_followed_but_counted_as_a_failure(receiver: Receiver) -> None:
    endpoint = endpoints.register(receiver.url, ["order.paid"])
    delivery = owed_one(endpoint)

    relay.turn(endpoint.id, seconds=0)

    delivery.refresh_from_db()
    assert [r.status for r in receiver.requests()] == [302]
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("pending", 1, 302)
    assert delivery.last_error == "answered 302"


def statuses(endpoint: WebhookEndpoint) -> list[str]:
    return list(
        WebhookDelivery.objects.filter(endpoint=endpoint).order_by("position")
        .values_list("status", flat=True)
    )  # fmt: skip


def test_one_connection_carries_an_orders_deliveries_and_the_next_turns() -> None:
    receiver = Receiver(keep_alive=True).start()
    try:
        endpoint = endpoints.register(receiver.url, ["order.paid"])
        order = uuid.uuid4()
        for position in (1, 2, 3):
            owed_one(endpoint, position, order)
        relay.turn(endpoint.id)
        owed_one(endpoint, 4, order)

        relay.turn(endpoint.id)

        assert statuses(endpoint) == ["delivered"] * 4
        assert len(receiver.delivered()) == 4
        assert receiver.connections == 1
    finally:
        receiver.stop()


def test_an_answer_too_long_to_read_still_delivers_and_closes_its_connection() -> None:
    long_answer = b"x" * (16 * sinks.ANSWER_BYTES)  # more than the client buffers unread
    receiver = Receiver(lambda *request: 200, keep_alive=True, body=long_answer).start()
    try:
        endpoint = endpoints.register(receiver.url, ["order.paid"])
        order = uuid.uuid4()
        owed_one(endpoint, 1, order)
        owed_one(endpoint, 2, order)

        relay.turn(endpoint.id)

        assert statuses(endpoint) == ["delivered", "delivered"]
        assert receiver.connections == 2
    finally:
        receiver.stop()
