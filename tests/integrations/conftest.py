"""Webhooks through the real processes: the main worker and beat (shared), a relay
worker of the test's own (so a test may kill it), and receivers on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal

import pytest
from django.utils import timezone

from contexts.catalog import domain as catalog
from contexts.integrations import endpoints
from contexts.integrations.catalogue import PUBLIC_TYPES
from contexts.integrations.models import WebhookDelivery, WebhookEndpoint
from contexts.sales import domain as sales
from contexts.shared.values import Address
from eventstore.inbox import submit
from tests.integration.conftest import celery_processes  # noqa: F401  the real worker
from tests.integration.processes import Celery, wait_until_executed
from tests.integrations.receivers import Receiver

STAFF = "user:staff"
ADDRESS = Address("Ada Lovelace", "12 Analytical St", "London", "N1 9GU", "GB")
QUICK_RETRIES = {"SHOP_WEBHOOK_RETRY_SECONDS": "0.3,0.3,0.3,0.3,0.3,0.3,0.3,0.3"}


@pytest.fixture
def relay(
    shared_worker_and_beat: tuple[Celery, Celery],
    celery_processes: Callable[..., Celery],  # noqa: F811  the fixture imported above
) -> Callable[..., Celery]:
    """Start the relay's worker (threads), with settings of the test's choosing; the main
    worker and beat are the shared ones."""

    def start(**env: str) -> Celery:
        return celery_processes("relay", concurrency=4, env={**QUICK_RETRIES, **env})

    return start


@pytest.fixture
def receivers(committed_db: None) -> Iterator[Callable[..., Receiver]]:
    started: list[Receiver] = []

    def start(*args: object, **kwargs: object) -> Receiver:
        receiver = Receiver(*args, **kwargs).start()
        started.append(receiver)
        return receiver

    yield start
    for receiver in started:
        receiver.stop()
    # Committed endpoints outlive the test: one left behind would be owed every later
    # test's events, and could find another test's receiver on its port.
    WebhookEndpoint.objects.filter(url__in=[r.url for r in started]).delete()


def register(receiver: Receiver, events: tuple[str, ...] = PUBLIC_TYPES) -> WebhookEndpoint:
    return endpoints.register(receiver.url, events)


def create_product(name: str = "Kettle", price: str = "30.00") -> tuple[uuid.UUID, uuid.UUID]:
    product, vendor = uuid.uuid4(), uuid.uuid4()
    command = catalog.CreateProduct(product, vendor, name, Decimal(price))
    wait_until_executed([submit(command, actor=STAFF).command_id])
    return product, vendor


def place_orders(product: uuid.UUID, count: int, quantity: int = 1) -> list[uuid.UUID]:
    """`count` orders of one line each, placed directly (no cart)."""
    orders = [uuid.uuid4() for _ in range(count)]
    commands = [
        submit(
            sales.PlaceOrder(order_id, uuid.uuid4(), (sales.RequestedLine(product, quantity),),
                             ADDRESS, timezone.now()),
            actor=STAFF,
        ).command_id
        for order_id in orders
    ]  # fmt: skip
    wait_until_executed(commands)
    return orders


def deliveries(endpoint: WebhookEndpoint) -> list[WebhookDelivery]:
    return list(WebhookDelivery.objects.filter(endpoint=endpoint).order_by("position", "index"))


def seconds_ago(seconds: float) -> dt.datetime:
    return timezone.now() - dt.timedelta(seconds=seconds)
