"""A steady flow of orders through the real pipeline, submitted from a thread as the API
submits them, and the checks that every command it caused ran once, in its stream's
order, and that every subscriber applied every event once."""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter, defaultdict
from decimal import Decimal

from django.db import connection
from django.db.models.functions import Now
from django.utils import timezone

from contexts.cart import domain as cart
from contexts.catalog import domain as catalog
from contexts.sales import domain as sales
from contexts.sales.models import OrderSummary, PopularItem
from eventstore.inbox import submit
from eventstore.models import Command, Event
from eventstore.rebuild import verify
from eventstore.store import store
from eventstore.subscribers import registry
from tests.integration.processes import wait_until_executed
from tests.integration.test_ordering_process import ADDRESS, STAFF


def on_sale(count: int) -> list[uuid.UUID]:
    """New products of one vendor: the popular-items table counts them for this flow alone."""
    products, vendor = [uuid.uuid4() for _ in range(count)], uuid.uuid4()
    created = [
        submit(catalog.CreateProduct(product, vendor, f"flow-{n}", Decimal("4.50")), actor=STAFF)
        for n, product in enumerate(products)
    ]
    wait_until_executed([command.command_id for command in created])
    return products


class OrderFlow:
    """Orders placed one after another from a thread, for the length of a `with` block.

    Every other order comes through a cart: two AddItem and a CheckOut, three commands in
    a row on one stream, whose order the executor must keep; the others are placed
    directly. Each order has 1 to 3 kettles and a cup. Only commands whose `submit`
    returned are counted as accepted.
    """

    def __init__(self, products: list[uuid.UUID], pause: float = 0.01) -> None:
        self.kettle, self.cup = products
        self.pause = pause
        self.accepted: list[uuid.UUID] = []
        self.orders: list[uuid.UUID] = []
        self.quantities: Counter[uuid.UUID] = Counter()
        self.error: BaseException | None = None
        self._running = True
        self._thread = threading.Thread(target=self._place)

    def __enter__(self) -> OrderFlow:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._running = False
        self._thread.join()
        if self.error is not None:
            raise self.error

    def wait_for_more(self, count: int, timeout: float = 30) -> None:
        """Until `count` more orders are placed than now."""
        target, deadline = len(self.orders) + count, time.monotonic() + timeout
        while len(self.orders) < target:
            assert self.error is None and time.monotonic() < deadline, "the flow stopped"
            time.sleep(0.05)

    def _place(self) -> None:
        n = 0
        try:
            while self._running:
                self._order(n)
                n += 1
                time.sleep(self.pause)
        except BaseException as error:
            self.error = error
        finally:
            connection.close()

    def _order(self, n: int) -> None:
        customer, order_id, kettles = uuid.uuid4(), uuid.uuid4(), n % 3 + 1
        if n % 2:
            lines = (sales.RequestedLine(self.kettle, kettles), sales.RequestedLine(self.cup, 1))
            commands = [sales.PlaceOrder(order_id, customer, lines, ADDRESS, timezone.now())]
        else:
            cart_id = uuid.uuid4()
            commands = [
                cart.AddItem(cart_id, customer, self.kettle, kettles),
                cart.AddItem(cart_id, customer, self.cup, 1),
                cart.CheckOut(cart_id, customer, order_id, ADDRESS, timezone.now()),
            ]
        for command in commands:
            self.accepted.append(submit(command, actor=f"customer:{customer}").command_id)
        self.orders.append(order_id)
        self.quantities.update({self.kettle: kettles, self.cup: 1})

    def invoiced(self) -> int:
        return OrderSummary.objects.filter(order_id__in=self.orders, status="invoiced").count()


def assert_executed_once_in_stream_order(accepted: list[uuid.UUID]) -> None:
    """Every accepted command, and every command the receptors submitted for it that is
    due, is done with exactly the events that name it; and each stream's events follow
    its commands' arrival order."""
    commands = list(
        Command.objects.filter(correlation_id__in=accepted, not_before__lte=Now()).order_by("seq")
    )
    assert Counter(c.status for c in commands) == {"done": len(commands)}
    assert {c.id for c in commands} >= set(accepted)
    events = store.read_streams(list({c.stream_id for c in commands}))
    positions: dict[uuid.UUID, list[int]] = defaultdict(list)
    ran: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for event in events:  # each stream's in version order
        command_id = event.metadata.command_id
        positions[command_id].append(event.position)
        if ran[event.stream_id][-1:] != [command_id]:
            ran[event.stream_id].append(command_id)
    arrived: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for command in commands:
        assert positions[command.id] == command.positions != [], command.id
        arrived[command.stream_id].append(command.id)
    assert ran == arrived


def assert_each_order_invoiced_and_counted_once(flow: OrderFlow) -> None:
    """The receptors acted once per event (one invoice, one invoice recorded and one
    deadline scheduled per order) and the bakers counted each order once."""
    count, carts = len(flow.orders), len(flow.orders[::2])
    operations = Command.objects.filter(correlation_id__in=flow.accepted)
    assert Counter(operations.values_list("operation", flat=True)) == {
        "AddItem": 2 * carts, "CheckOut": carts, "PlaceOrder": count,
        "IssueInvoice": count, "RecordInvoice": count, "ExpireInvoice": count,
    }  # fmt: skip
    events = Event.objects.filter(stream_id__in=flow.orders).values_list("type", flat=True)
    assert Counter(events) == {"sales.OrderPlaced": count, "sales.OrderInvoiced": count}
    assert flow.invoiced() == count
    sold = Counter()
    for row in PopularItem.objects.filter(product_id__in=[flow.kettle, flow.cup]):
        sold[row.product_id] += row.quantity
    assert sold == flow.quantities


def assert_every_baker_equals_a_rebuild() -> None:
    """What `manage.py verify` checks: every baker replayed from position 0 into scratch
    tables equals its live tables, row for row."""
    for baker in registry.bakers():
        differing = [diff for diff in verify(baker) if not diff.equal]
        assert differing == [], baker.name
