"""The upstream facts shipping reacts to, appended straight to the event store, and the
inline run of shipping's receptor, executor and baker."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from uuid import UUID

from contexts.invoicing.domain import InvoicePaid
from contexts.sales.domain import OrderCancelled, OrderLine, OrderPlaced
from contexts.shared.values import Address, derived_id
from eventstore.executor import Executor
from eventstore.store import ExpectedVersion, Metadata, store
from eventstore.subscribers import Runner, registry

ADDRESS = Address("Ada Lovelace", "12 St James's Square", "London", "SW1Y 4JH", "GB", "Flat 2")
LAMP = uuid.UUID("00000000-0000-4000-8000-00000000a001")
MUG = uuid.UUID("00000000-0000-4000-8000-00000000a002")
VENDOR = uuid.UUID("00000000-0000-4000-8000-00000000b001")
PLACED_AT = dt.datetime(2026, 3, 1, 10, 0, tzinfo=dt.UTC)
PAID_AT = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
UPSTREAM = Metadata(actor="test")


def place_order(order_id: UUID | None = None) -> UUID:
    """An order of two desk lamps and one mug, as sales records it."""
    order_id = order_id or uuid.uuid4()
    lines = (
        OrderLine(LAMP, VENDOR, "Desk lamp", Decimal("40.00"), 2, Decimal("80.00")),
        OrderLine(MUG, VENDOR, "Mug", Decimal("7.50"), 1, Decimal("7.50")),
    )
    placed = OrderPlaced(
        order_id, uuid.uuid4(), lines, Decimal("87.50"), ADDRESS, PLACED_AT, cart_id=None
    )
    store.append(order_id, "sales.Order", [placed], ExpectedVersion.NO_STREAM, UPSTREAM)
    return order_id


def pay_invoice(order_id: UUID, at: dt.datetime = PAID_AT) -> None:
    """The order's invoice paid in full, as invoicing records it."""
    invoice_id = derived_id("invoice", order_id)
    paid = InvoicePaid(invoice_id, order_id, Decimal("87.50"), Decimal("87.50"), Decimal(0), at)
    store.append(invoice_id, "invoicing.Invoice", [paid], ExpectedVersion.ANY, UPSTREAM)


def cancel_order(order_id: UUID, at: dt.datetime, reason: str = "changed my mind") -> None:
    cancelled = OrderCancelled(order_id, reason, "staff", at)
    store.append(order_id, "sales.Order", [cancelled], ExpectedVersion.ANY, UPSTREAM)


def shipment_of(order_id: UUID) -> UUID:
    return derived_id("shipment", order_id)


def run_shipping() -> None:
    """The receptor submits, the executor decides, the baker bakes: one full turn."""
    Runner(registry.named("shipping.orders")).catch_up()
    Executor().run()
    Runner(registry.named("shipping.shipments")).catch_up()
