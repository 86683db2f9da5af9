"""Helpers for the sales integration tests: submit, execute and bake in this process, and
record other contexts' published events as those contexts would."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from decimal import Decimal

from django.db import transaction

from contexts.cart import domain as cart
from contexts.catalog import domain as catalog
from contexts.invoicing import domain as invoicing
from contexts.sales import domain as sales
from contexts.shared.values import Address
from contexts.shipping import domain as shipping
from eventstore.executor import Executor
from eventstore.inbox import submit
from eventstore.registry import registry as events
from eventstore.store import Metadata, RecordedEvent, store
from eventstore.subscribers import Runner, registry

SALES_BAKERS = ("sales.products", "sales.orders", "sales.popular_items")
HOME = Address("Alice Doe", "1 Main St", "Springfield", "12345", "US", line2="Flat 2")
AT = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)

PUBLISHED = {
    "cart.CartCheckedOut": cart.CartCheckedOut,
    **{f"invoicing.{cls.__name__}": cls for cls in (
        invoicing.InvoiceIssued, invoicing.PaymentReceived, invoicing.InvoicePaid,
        invoicing.InvoiceOverdue, invoicing.InvoiceVoided, invoicing.RefundIssued,
    )},
    **{f"shipping.{cls.__name__}": cls for cls in (
        shipping.ShipmentCreated, shipping.ShipmentDispatched, shipping.ShipmentDelivered,
        shipping.ShipmentCancelled,
    )},
}  # fmt: skip
"""Other contexts' events under their published names (their own handlers register the
same classes under the same names; registering again is a no-op)."""

for _name, _cls in PUBLISHED.items():
    events.register(_name, _cls)


def execute() -> None:
    Executor().run()


def bake(*names: str) -> None:
    for name in names or SALES_BAKERS:
        Runner(registry.named(name)).catch_up()


def create_product(name: str, price: str, vendor: uuid.UUID | None = None) -> uuid.UUID:
    product = uuid.uuid4()
    command = catalog.CreateProduct(product, vendor or uuid.uuid4(), name, Decimal(price))
    submit(command, actor="staff:test")
    return product


def place_order(
    customer: uuid.UUID,
    *lines: tuple[uuid.UUID, int],
    placed_at: dt.datetime = AT,
    actor: str = "customer:test",
) -> uuid.UUID:
    order = uuid.uuid4()
    requested = tuple(sales.RequestedLine(product, quantity) for product, quantity in lines)
    submit(sales.PlaceOrder(order, customer, requested, HOME, placed_at), actor=actor)
    return order


def record(
    stream_id: uuid.UUID, stream_type: str, *new: object, actor: str = "test"
) -> list[RecordedEvent]:
    """Append events to a stream as their own context would; return them as recorded."""
    with transaction.atomic():
        version = store.stream_version(stream_id)
        store.append(stream_id, stream_type, list(new), version, Metadata(actor=actor))
    return store.read_stream(stream_id, from_version=version + 1)


def invoice_issued(order: uuid.UUID, amount: str, at: dt.datetime = AT) -> list[RecordedEvent]:
    invoice = uuid.uuid4()
    issued = invoicing.InvoiceIssued(
        invoice, order, uuid.uuid4(), (), Decimal(amount), at, at + dt.timedelta(days=14)
    )
    return record(invoice, "invoicing.Invoice", issued, actor="receptor:invoicing.orders")


def positions(recorded: Sequence[RecordedEvent]) -> list[int]:
    return [event.position for event in recorded]
