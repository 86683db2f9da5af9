"""The sales receptors submit exactly the commands the other contexts' events call for."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest

from contexts.cart import domain as cart
from contexts.invoicing import domain as invoicing
from contexts.sales import domain
from contexts.shipping import domain as shipping
from eventstore.codec import encode
from eventstore.models import Checkpoint, Command
from eventstore.store import RecordedEvent, store
from tests.contexts.sales.support import (
    AT,
    HOME,
    bake,
    create_product,
    execute,
    record,
)

pytestmark = pytest.mark.django_db

LATER = AT + dt.timedelta(hours=3)


def submitted_by(receptor: str, order: uuid.UUID) -> list[tuple]:
    commands = Command.objects.filter(actor=f"receptor:{receptor}", stream_id=order)
    return list(commands.order_by("seq").values_list("operation", "payload", "idempotency_key"))


def key(receptor: str, event: RecordedEvent) -> str:
    return f"{receptor}:{event.position}:0"


def checked_out(order: uuid.UUID, *lines: cart.CartLine) -> RecordedEvent:
    cart_id, customer = uuid.uuid4(), uuid.uuid4()
    total = sum((line.line_total for line in lines), Decimal("0.00"))
    event = cart.CartCheckedOut(cart_id, customer, order, lines, total, HOME, LATER)
    [recorded] = record(cart_id, "cart.Cart", event, actor="customer:test")
    return recorded


def test_a_checkout_places_the_order_with_the_carts_lines_and_time() -> None:
    order, pc, mouse, vendor = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    event = checked_out(
        order,
        cart.CartLine(pc, vendor, "pc", Decimal("3200.00"), 1),
        cart.CartLine(mouse, vendor, "mouse", Decimal("39.90"), 2),
    )

    bake("sales.checkout")

    expected = domain.PlaceOrder(
        order, event.data.customer_id,
        (domain.RequestedLine(pc, 1), domain.RequestedLine(mouse, 2)),
        HOME, LATER, event.data.cart_id,
    )  # fmt: skip
    assert submitted_by("sales.checkout", order) == [
        ("PlaceOrder", encode(expected), key("sales.checkout", event))
    ]


def test_a_checked_out_cart_becomes_an_order_priced_by_the_catalog() -> None:
    vendor = uuid.uuid4()
    pc = create_product("pc", "3200.00", vendor)
    execute()
    order = uuid.uuid4()
    event = checked_out(order, cart.CartLine(pc, vendor, "pc", Decimal("3200.00"), 2))

    bake("sales.checkout")
    execute()

    [placed] = store.read_stream(order)
    assert placed.data == domain.OrderPlaced(
        order, event.data.customer_id,
        (domain.OrderLine(pc, vendor, "pc", Decimal("3200.00"), 2, Decimal("6400.00")),),
        Decimal("6400.00"), HOME, LATER, event.data.cart_id,
    )  # fmt: skip
    assert placed.metadata.actor == "receptor:sales.checkout"


def test_billing_follows_the_invoice_issued_paid_and_overdue() -> None:
    order, invoice = uuid.uuid4(), uuid.uuid4()
    due = AT + dt.timedelta(days=14)
    issued, paid, overdue = record(
        invoice, "invoicing.Invoice",
        invoicing.InvoiceIssued(invoice, order, uuid.uuid4(), (), Decimal("10.00"), AT, due),
        invoicing.InvoicePaid(invoice, order, Decimal("10.00"), Decimal("10.00"), Decimal(0),
                              LATER),
        invoicing.InvoiceOverdue(invoice, order, due),
    )  # fmt: skip

    bake("sales.billing")

    receptor = "sales.billing"
    assert submitted_by(receptor, order) == [
        ("RecordInvoice", encode(domain.RecordInvoice(order, invoice, Decimal("10.00"), due, AT)),
         key(receptor, issued)),
        ("RecordPayment", encode(domain.RecordPayment(order, invoice, LATER)),
         key(receptor, paid)),
        ("CancelOrder",
         encode(domain.CancelOrder(order, "payment deadline passed", "system", due)),
         key(receptor, overdue)),
    ]  # fmt: skip


def test_billing_ignores_payments_that_do_not_settle_the_invoice() -> None:
    order, invoice = uuid.uuid4(), uuid.uuid4()
    record(invoice, "invoicing.Invoice",
           invoicing.PaymentReceived(invoice, order, Decimal("1.00"), "bank", AT))  # fmt: skip

    bake("sales.billing")

    assert submitted_by("sales.billing", order) == []


def test_delivery_follows_the_shipment_dispatched_and_delivered() -> None:
    order, shipment = uuid.uuid4(), uuid.uuid4()
    _, dispatched, delivered = record(
        shipment, "shipping.Shipment",
        shipping.ShipmentCreated(shipment, order, HOME, (), AT),
        shipping.ShipmentDispatched(shipment, order, "DHL", "JD0001", AT),
        shipping.ShipmentDelivered(shipment, order, LATER),
    )  # fmt: skip

    bake("sales.delivery")

    receptor = "sales.delivery"
    assert submitted_by(receptor, order) == [
        ("RecordShipment",
         encode(domain.RecordShipment(order, shipment, "DHL", "JD0001", AT)),
         key(receptor, dispatched)),
        ("RecordDelivery", encode(domain.RecordDelivery(order, shipment, LATER)),
         key(receptor, delivered)),
    ]  # fmt: skip


def test_a_replayed_event_submits_nothing_new() -> None:
    order, shipment = uuid.uuid4(), uuid.uuid4()
    record(shipment, "shipping.Shipment",
           shipping.ShipmentDispatched(shipment, order, "DHL", "JD0001", AT))  # fmt: skip
    bake("sales.delivery")

    Checkpoint.objects.filter(name="sales.delivery").update(position=0)
    bake("sales.delivery")

    assert len(submitted_by("sales.delivery", order)) == 1
