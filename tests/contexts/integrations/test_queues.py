"""Each endpoint's queue per order: an order with a pending delivery always has a row
due no later than its head, whichever of the fan-out and the relay commits first."""

from __future__ import annotations

import datetime as dt
import threading
import time
import uuid
from collections.abc import Callable, Iterator

import pytest
from django.db import transaction
from django.utils import timezone

from contexts.integrations import catalogue, queues
from contexts.integrations.models import WebhookDelivery, WebhookEndpoint, WebhookQueue
from tests.threads import in_thread

ORDER = uuid.UUID("00000000-0000-0000-0000-0000000000aa")


@pytest.fixture
def endpoint(committed_db: None) -> Iterator[WebhookEndpoint]:
    now = timezone.now()
    created = WebhookEndpoint.objects.create(
        id=uuid.uuid4(), url="https://93.184.216.34/in", events=["order.paid"],
        secret="whsec_x", enabled=False, created_at=now, updated_at=now,
    )  # fmt: skip
    yield created
    created.delete()


def pending(to: WebhookEndpoint, position: int, at: dt.datetime) -> WebhookDelivery:
    """A pending delivery of ORDER, owed as the fan-out owes it, in the caller's transaction."""
    delivery = WebhookDelivery.objects.create(
        id=catalogue.delivery_id(to.id, position, 0), endpoint=to, position=position, index=0,
        event_type="order.paid", ordering_key=ORDER, occurred_at=at, body="{}",
        status="pending", next_attempt_at=at, created_at=at,
    )  # fmt: skip
    queues.owe([(to.id, ORDER, at)])
    return delivery


def delivered(delivery: WebhookDelivery) -> None:
    """What the relay's `record` does for a 2xx: mark it, then settle its order."""
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status="delivered")
    queues.settle(delivery.endpoint_id, [ORDER])


def row(to: WebhookEndpoint) -> dt.datetime | None:
    found = WebhookQueue.objects.filter(endpoint=to, ordering_key=ORDER).first()
    return found.due_at if found else None


def in_transaction(work: Callable[[], None]) -> Callable[[], None]:
    def atomically() -> None:
        with transaction.atomic():
            work()

    return atomically


def test_an_order_is_due_from_its_first_delivery_until_its_last_is_delivered(
    endpoint: WebhookEndpoint,
) -> None:
    now = timezone.now()
    first, second = pending(endpoint, 1, now), pending(endpoint, 2, now)
    assert queues.due(endpoint.id, 10) == [ORDER]

    delivered(first)
    assert (row(endpoint), queues.due(endpoint.id, 10)) == (second.next_attempt_at, [ORDER])

    delivered(second)
    assert (row(endpoint), queues.due(endpoint.id, 10)) == (None, [])


def test_a_head_waiting_for_its_retry_is_not_due_until_then(endpoint: WebhookEndpoint) -> None:
    later = timezone.now() + dt.timedelta(minutes=10)
    head = pending(endpoint, 1, timezone.now())
    WebhookDelivery.objects.filter(pk=head.pk).update(next_attempt_at=later)

    queues.settle(endpoint.id, [ORDER])

    assert (row(endpoint), queues.due(endpoint.id, 10)) == (later, [])


def test_a_delivery_owed_while_the_relay_settles_the_order_keeps_it_queued(
    endpoint: WebhookEndpoint,
) -> None:
    """The relay locks the order's row first and sees nothing pending after its head;
    the fan-out's new delivery waits for the lock, then re-creates the row."""
    now = timezone.now()
    head = pending(endpoint, 1, now)
    settled = threading.Event()

    def relay() -> None:
        delivered(head)
        settled.set()
        time.sleep(0.5)  # the fan-out now waits on the row's lock

    def fanout() -> None:
        settled.wait(5)
        pending(endpoint, 2, now + dt.timedelta(milliseconds=1))

    threads = [in_thread(in_transaction(relay)), in_thread(in_transaction(fanout))]
    for thread in threads:
        thread.join(10)

    assert row(endpoint) == now + dt.timedelta(milliseconds=1)
    assert queues.due(endpoint.id, 10) == [ORDER]


def test_a_relay_settling_while_the_fan_out_owes_sees_the_new_delivery(
    endpoint: WebhookEndpoint,
) -> None:
    """The fan-out holds the order's row; the relay's settle waits for its commit and
    then reads the new delivery as the head."""
    now = timezone.now()
    head = pending(endpoint, 1, now)
    owing = threading.Event()

    def fanout() -> None:
        pending(endpoint, 2, now + dt.timedelta(milliseconds=1))
        owing.set()
        time.sleep(0.5)  # the relay now waits on the row's lock

    def relay() -> None:
        owing.wait(5)
        delivered(head)

    threads = [in_thread(in_transaction(fanout)), in_thread(in_transaction(relay))]
    for thread in threads:
        thread.join(10)

    assert row(endpoint) == now + dt.timedelta(milliseconds=1)
    assert queues.due(endpoint.id, 10) == [ORDER]
