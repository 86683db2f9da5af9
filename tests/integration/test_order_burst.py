"""A burst of new customers' first orders through the HTTP server as `make run` serves
it (granian's WSGI interface, several processes of several threads), with a real Celery
worker and beat behind it: every order is accepted, invoiced, and counted once."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from functools import partial
from typing import Any

import pytest

from contexts.catalog import domain as catalog
from contexts.catalog.models import Product
from contexts.invoicing.models import Invoice
from contexts.sales.models import OrderSummary, PopularItem
from eventstore.inbox import submit
from eventstore.models import Command, Event
from shop.customers import customer_id_for
from shop.devstack.servers import http_server
from tests.integration.processes import eventually, wait_until_executed, wait_until_quiet
from tests.livestack import (  # noqa: F401  fixtures
    Client,
    Server,
    celery_processes,
    make_user,
    start_server,
    workers,
)

pytestmark = pytest.mark.integration

CUSTOMERS = 60
ORDERS_EACH = 5
THREADS = 32
STAFF = "staff:burst"
ADDRESS = {
    "name": "Ada Lovelace",
    "line1": "12 Analytical St",
    "city": "London",
    "postalCode": "N1 9GU",
    "country": "GB",
}


def on_sale(*names: str) -> list[uuid.UUID]:
    """New products, created and baked into the catalog the API checks orders against."""
    ids = [uuid.uuid4() for _ in names]
    vendor = uuid.uuid4()
    created = [
        submit(catalog.CreateProduct(product, vendor, name, Decimal("9.50")), actor=STAFF)
        for product, name in zip(ids, names, strict=True)
    ]
    wait_until_executed([command.command_id for command in created])
    eventually(lambda: Product.objects.filter(pk__in=ids, active=True).count() == len(ids))
    return ids


def lines_of(n: int, products: list[uuid.UUID]) -> list[tuple[uuid.UUID, int]]:
    """Order n's lines, n % 4 + 1 of each product: a kettle on every order, a teapot on
    every other one, a cup on every third one."""
    kettle, teapot, cup = products
    chosen = [kettle] + [teapot] * (n % 2 == 0) + [cup] * (n % 3 == 0)
    return [(product, n % 4 + 1) for product in chosen]


def released_together(calls: list[Callable[[], Any]], threads: int) -> list[Any]:
    """Run `calls` from `threads` threads that start at one moment (a barrier), each
    thread taking every `threads`-th call in turn; their results in the calls' order."""
    barrier = threading.Barrier(threads)

    def run_share(first: int) -> list[tuple[int, Any]]:
        barrier.wait(timeout=30)
        return [(n, calls[n]()) for n in range(first, len(calls), threads)]

    with ThreadPoolExecutor(threads) as pool:
        shares = [pool.submit(run_share, first) for first in range(threads)]
        results = dict(pair for share in shares for pair in share.result())
    return [results[n] for n in range(len(calls))]


def body(lines: list[tuple[uuid.UUID, int]]) -> dict:
    return {
        "lines": [{"productId": str(product), "quantity": quantity} for product, quantity in lines],
        "shippingAddress": ADDRESS,
    }


def counted(products: list[uuid.UUID]) -> dict[uuid.UUID, tuple[int, int]]:
    """Per product: the quantity and the orders the popular-items table counted, over
    every day (a burst may straddle midnight UTC)."""
    quantities: Counter[uuid.UUID] = Counter()
    having: Counter[uuid.UUID] = Counter()
    for row in PopularItem.objects.filter(product_id__in=products):
        quantities[row.product_id] += row.quantity
        having[row.product_id] += row.orders
    return {product: (quantities[product], having[product]) for product in quantities}


@pytest.mark.usefixtures("workers")
def test_a_burst_of_new_customers_first_orders_is_accepted_invoiced_and_counted_once(
    start_server: Callable[..., Server],  # noqa: F811
) -> None:
    server = start_server(command=http_server)  # cold: the burst is its first traffic
    products = kettle, teapot, cup = on_sale("burst-kettle", "burst-teapot", "burst-cup")
    customers = [make_user() for _ in range(CUSTOMERS)]
    clients = [Client(server, customer) for customer in customers]
    # Order n is customer n % CUSTOMERS's: every customer's first order is sent in the
    # first two rounds of the threads.
    orders = [(n % CUSTOMERS, lines_of(n, products)) for n in range(CUSTOMERS * ORDERS_EACH)]
    calls = [partial(clients[who].call, "POST", "/api/order", body(lines)) for who, lines in orders]

    answers = released_together(calls, THREADS)

    refused = [answer for answer in answers if answer[0] != 202]
    assert Counter(status for status, _ in answers) == {202: 300}, refused[:5]
    assert all(set(answer) == {"commandId", "status", "orderId"} for _, answer in answers)
    placed = {
        uuid.UUID(answer["orderId"]): customer_id_for(customers[who])
        for (_, answer), (who, _) in zip(answers, orders, strict=True)
    }
    summaries = OrderSummary.objects.filter(order_id__in=placed)
    eventually(lambda: summaries.filter(status="invoiced").count() == 300, timeout=90)
    wait_until_quiet()
    commands = Command.objects.filter(id__in=[answer["commandId"] for _, answer in answers])
    assert Counter(commands.values_list("status", flat=True)) == {"done": 300}
    events = Event.objects.filter(stream_id__in=placed).values_list("type", flat=True)
    assert Counter(events) == {"sales.OrderPlaced": 300, "sales.OrderInvoiced": 300}
    assert {row.order_id: (row.customer_id, row.status) for row in summaries} == {
        order_id: (customer, "invoiced") for order_id, customer in placed.items()
    }
    assert Invoice.objects.filter(order_id__in=placed).count() == 300
    # 75 orders each of 1, 2, 3 and 4 kettles; 75 each of 1 and 3 teapots; 25 each of
    # 1, 2, 3 and 4 cups.
    assert counted(products) == {kettle: (750, 300), teapot: (300, 150), cup: (250, 100)}
