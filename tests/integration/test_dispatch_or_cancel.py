"""A dispatch and a cancel of one paid order, at the same instant on two workers: exactly
one of them succeeds, and the other is rejected with the reason.

The two commands address two streams (the shipment and the order). A cancel reserves
the shipment's stream as it is claimed, and a dispatch reads the order's stream while
holding it, so whichever comes second decides on what the first did. Each worker here
is a real executor on its own Postgres connection, in its own thread.
"""

from __future__ import annotations

import datetime as dt
import random
import threading
import time
import uuid
from collections.abc import Callable
from decimal import Decimal

from django.db import transaction

from contexts.sales import domain as sales
from contexts.shared.values import Address, derived_id
from contexts.shipping import domain as shipping
from eventstore.executor import Executor
from eventstore.inbox import submit
from eventstore.models import Command
from eventstore.store import Metadata, NewEvents, store
from tests.threads import in_thread

STAFF = "user:staff"
ADDRESS = Address("Ada Lovelace", "12 Analytical St", "London", "N1 9GU", "GB")
AT = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
PRICE = Decimal("10.00")
DISPATCHED = "the shipment is already dispatched"
CANCELLED = "the order is cancelled"


def paid_orders_awaiting_dispatch(count: int) -> list[uuid.UUID]:
    """Orders placed, invoiced and paid, each with its shipment created: the events the
    ordering process records up to there, appended at once."""
    product, vendor = uuid.uuid4(), uuid.uuid4()
    line = sales.OrderLine(product, vendor, "race-lamp", PRICE, 1, PRICE)
    item = shipping.ShipmentItem(product, "race-lamp", 1)
    orders = [uuid.uuid4() for _ in range(count)]
    history = []
    for order in orders:
        invoice, shipment = derived_id("invoice", order), derived_id("shipment", order)
        order_events = [
            sales.OrderPlaced(order, uuid.uuid4(), (line,), PRICE, ADDRESS, AT),
            sales.OrderInvoiced(order, invoice, PRICE, AT + dt.timedelta(days=3), AT),
            sales.OrderPaid(order, invoice, AT),
        ]
        shipment_events = [shipping.ShipmentCreated(shipment, order, ADDRESS, (item,), AT)]
        history += [
            NewEvents(order, sales.ORDER_STREAM, order_events, 0, Metadata(STAFF)),
            NewEvents(shipment, "shipping.Shipment", shipment_events, 0, Metadata(STAFF)),
        ]
    with transaction.atomic():
        store.append_many(history)
    while Executor().run_batch():  # commands other tests left pending: none in our batches
        pass
    return orders


def dispatch(order: uuid.UUID) -> uuid.UUID:
    command = shipping.DispatchShipment(derived_id("shipment", order), "DHL", "JD1", AT)
    return submit(command, actor=STAFF).command_id


def cancel(order: uuid.UUID) -> uuid.UUID:
    command = sales.CancelOrder(order, "the customer called", "staff", AT)
    return submit(command, actor=STAFF).command_id


def outcome(command_id: uuid.UUID) -> tuple[str, str | None]:
    command = Command.objects.get(id=command_id)
    return command.status, (command.error or {}).get("detail")


def test_a_cancel_waits_for_a_dispatch_another_worker_is_deciding(committed_db: None) -> None:
    [order] = paid_orders_awaiting_dispatch(1)
    dispatched = dispatch(order)
    deciding, finish = threading.Event(), threading.Event()

    def other_worker() -> None:
        with transaction.atomic():  # its batch stays open, holding the shipment's stream
            assert Executor().run_batch() == 1
            deciding.set()
            finish.wait(10)

    thread = in_thread(other_worker)
    assert deciding.wait(10)
    cancelled = cancel(order)
    shipment = derived_id("shipment", order)
    after = submit(sales.RecordDelivery(order, shipment, AT), actor=STAFF).command_id
    order_version = store.stream_version(order)

    assert Executor().run() == 0
    assert [outcome(cancelled), outcome(after)] == [("pending", None)] * 2  # stream order
    assert store.stream_version(order) == order_version

    finish.set()
    thread.join()
    Executor().run()

    assert outcome(dispatched) == ("done", None)
    assert outcome(cancelled) == ("rejected", DISPATCHED)
    assert outcome(after) == ("rejected", "a paid order cannot become delivered")
    assert store.stream_version(order) == order_version


def test_a_dispatch_waits_for_a_cancel_another_worker_is_deciding(committed_db: None) -> None:
    [order] = paid_orders_awaiting_dispatch(1)
    cancelled = cancel(order)
    deciding, finish = threading.Event(), threading.Event()

    def other_worker() -> None:
        with transaction.atomic():  # its batch stays open, the shipment's stream reserved
            assert Executor().run_batch() == 1
            deciding.set()
            finish.wait(10)

    thread = in_thread(other_worker)
    assert deciding.wait(10)
    dispatched = dispatch(order)
    shipment = derived_id("shipment", order)

    assert Executor().run() == 0
    assert outcome(dispatched) == ("pending", None)
    assert store.stream_version(shipment) == 1

    finish.set()
    thread.join()
    Executor().run()

    assert outcome(cancelled) == ("done", None)
    assert outcome(dispatched) == ("rejected", CANCELLED)
    assert store.stream_version(shipment) == 1


def test_a_dispatch_and_a_cancel_at_the_same_instant_200_times(committed_db: None) -> None:
    """Two workers, one submitting and running the dispatch, the other the cancel, at the
    same instant, for each of 200 orders: every time, exactly one of them succeeds and
    the other says why, whether one worker decided both or each claimed its own."""
    orders = paid_orders_awaiting_dispatch(200)
    start, done = threading.Barrier(3), threading.Barrier(3)
    submitted: dict[str, list[uuid.UUID]] = {"CancelOrder": [], "DispatchShipment": []}

    def worker(operation: str, send: Callable[[uuid.UUID], uuid.UUID]) -> None:
        executor, jitter = Executor(), random.Random(operation)
        for order in orders:
            start.wait(10)
            time.sleep(jitter.random() / 100)  # 0 to 10 ms: often within the other's batch
            submitted[operation].append(send(order))
            executor.run()
            done.wait(10)

    threads = [in_thread(lambda: worker("CancelOrder", cancel)),
               in_thread(lambda: worker("DispatchShipment", dispatch))]  # fmt: skip
    left_waiting = 0
    for _ in orders:
        start.wait(10)
        done.wait(10)
        left_waiting += Executor().run()  # what a worker left pending, the other one done
    for thread in threads:
        thread.join()

    one_won = {("done", None, "rejected", CANCELLED), ("rejected", DISPATCHED, "done", None)}
    pairs = zip(orders, submitted["CancelOrder"], submitted["DispatchShipment"], strict=True)
    for order, cancelled, dispatched in pairs:
        result = (*outcome(cancelled), *outcome(dispatched))
        assert result in one_won, order
        cancel_won = result[0] == "done"
        assert store.stream_version(order) == (4 if cancel_won else 3), order
        assert store.stream_version(derived_id("shipment", order)) == (1 if cancel_won else 2)
