"""The sales bakers on the real Postgres: exact rows from events, and rebuilds equal to them."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from decimal import Decimal

import pytest

from contexts.catalog import domain as catalog
from contexts.catalog.models import Product
from contexts.invoicing import domain as invoicing
from contexts.sales import domain
from contexts.sales.models import (
    OrderDetail,
    OrderFeedEntry,
    OrderLine,
    OrderSummary,
    OrderTimelineEntry,
)
from contexts.shipping import domain as shipping
from eventstore.codec import encode
from eventstore.inbox import submit
from eventstore.store import store
from tests.contexts.sales.support import (
    AT,
    HOME,
    bake,
    create_product,
    execute,
    invoice_issued,
    place_order,
    record,
)

pytestmark = pytest.mark.django_db

ALICE = uuid.uuid4()


def test_the_products_baker_keeps_each_product_as_its_events_left_it() -> None:
    vendor = uuid.uuid4()
    product = create_product("awesome-desktop-pc", "3200.00", vendor)
    execute()
    submit(catalog.ChangeProductPrice(product, Decimal("2999.00")), actor="staff:test")
    submit(catalog.DiscontinueProduct(product), actor="staff:test")
    execute()

    bake("sales.products")

    created, _, discontinued = store.read_stream(product)
    row = Product.objects.get(pk=product)
    assert (row.vendor_id, row.name, row.price, row.active) == (
        vendor, "awesome-desktop-pc", Decimal("2999.00"), False
    )  # fmt: skip
    assert (row.created_at, row.updated_at) == (created.recorded_at, discontinued.recorded_at)


def placed_order() -> tuple[uuid.UUID, uuid.UUID, uuid.UUID, uuid.UUID]:
    vendor = uuid.uuid4()
    pc, mouse = create_product("pc", "3200.00", vendor), create_product("mouse", "39.90", vendor)
    execute()
    order = place_order(ALICE, (pc, 1), (mouse, 3))
    execute()
    return order, pc, mouse, vendor


def test_a_placed_order_gets_its_summary_detail_lines_timeline_and_feed_row() -> None:
    order, pc, mouse, vendor = placed_order()

    bake("sales.orders")

    [placed] = store.read_stream(order)
    summary = OrderSummary.objects.get(pk=order)
    assert (summary.customer_id, summary.status, summary.total, summary.item_count) == (
        ALICE, "placed", Decimal("3319.70"), 4
    )  # fmt: skip
    assert (summary.placed_at, summary.updated_at) == (AT, placed.recorded_at)
    detail = OrderDetail.objects.get(pk=order)
    assert (detail.ship_to_name, detail.ship_to_line2, detail.ship_to_country) == (
        "Alice Doe", "Flat 2", "US"
    )  # fmt: skip
    assert (detail.invoice_id, detail.invoice_status, detail.shipment_status) == (None, "", "")
    assert list(
        OrderLine.objects.filter(order_id=order).order_by("number").values_list(
            "number", "product_id", "vendor_id", "name", "unit_price", "quantity", "line_total"
        )
    ) == [
        (1, pc, vendor, "pc", Decimal("3200.00"), 1, Decimal("3200.00")),
        (2, mouse, vendor, "mouse", Decimal("39.90"), 3, Decimal("119.70")),
    ]  # fmt: skip
    [entry] = OrderTimelineEntry.objects.filter(order_id=order)
    assert (entry.position, entry.type, entry.occurred_at, entry.actor, entry.data) == (
        placed.position, "sales.OrderPlaced", placed.recorded_at, "customer:test",
        encode(placed.data),
    )  # fmt: skip
    [feed] = OrderFeedEntry.objects.filter(order_id=order)
    assert (feed.position, feed.customer_id) == (placed.position, ALICE)
    assert feed.message == {
        "type": "order.event",
        "position": placed.position,
        "orderId": str(order),
        "event": "sales.OrderPlaced",
        "occurredAt": encode(placed.recorded_at),
        "order": {
            "orderId": str(order),
            "customerId": str(ALICE),
            "status": "placed",
            "total": "3319.70",
            "itemCount": 4,
            "placedAt": "2026-03-01T12:00:00Z",
            "updatedAt": encode(placed.recorded_at),
        },
    }


def test_the_order_follows_its_invoice_and_shipment_through_every_context() -> None:
    order, *_ = placed_order()
    [issued] = invoice_issued(order, "3319.70")
    invoice = issued.stream_id
    submit(domain.RecordInvoice(order, invoice, Decimal("3319.70"), AT, AT), actor="receptor")
    execute()
    record(invoice, "invoicing.Invoice",
           invoicing.PaymentReceived(invoice, order, Decimal("3000.00"), "bank-1", AT),
           invoicing.PaymentReceived(invoice, order, Decimal("400.00"), "bank-2", AT),
           invoicing.InvoicePaid(invoice, order, Decimal("3319.70"), Decimal("3400.00"),
                                 Decimal("80.30"), AT))  # fmt: skip
    shipment = uuid.uuid4()
    record(shipment, "shipping.Shipment",
           shipping.ShipmentCreated(shipment, order, HOME, (), AT),
           shipping.ShipmentDispatched(shipment, order, "DHL", "JD0001", AT))  # fmt: skip
    submit(domain.RecordPayment(order, invoice, AT), actor="receptor")
    submit(domain.RecordShipment(order, shipment, "DHL", "JD0001", AT), actor="receptor")
    execute()

    bake("sales.orders")

    summary = OrderSummary.objects.get(pk=order)
    last = store.read_stream(order)[-1]
    assert (summary.status, summary.updated_at) == ("shipped", last.recorded_at)
    detail = OrderDetail.objects.get(pk=order)
    assert (detail.invoice_id, detail.invoice_status, detail.invoice_amount,
            detail.invoice_paid_amount, detail.invoice_due_at) == (
        invoice, "paid", Decimal("3319.70"), Decimal("3400.00"), AT + dt.timedelta(days=14)
    )  # fmt: skip
    assert (detail.shipment_id, detail.shipment_status, detail.carrier,
            detail.tracking_number) == (shipment, "dispatched", "DHL", "JD0001")  # fmt: skip
    timeline = list(OrderTimelineEntry.objects.filter(order_id=order).order_by("position"))
    assert [entry.type for entry in timeline] == [
        "sales.OrderPlaced", "invoicing.InvoiceIssued", "sales.OrderInvoiced",
        "invoicing.PaymentReceived", "invoicing.PaymentReceived", "invoicing.InvoicePaid",
        "shipping.ShipmentCreated", "shipping.ShipmentDispatched", "sales.OrderPaid",
        "sales.OrderShipped",
    ]  # fmt: skip
    feed = list(OrderFeedEntry.objects.filter(order_id=order).order_by("position"))
    assert [f.position for f in feed] == [entry.position for entry in timeline]
    assert [f.message["order"]["status"] for f in feed] == [
        "placed", "placed", "invoiced", "invoiced", "invoiced", "invoiced", "invoiced",
        "invoiced", "paid", "shipped",
    ]  # fmt: skip


def test_a_cancelled_order_shows_who_cancelled_it_and_why() -> None:
    order, *_ = placed_order()
    submit(domain.CancelOrder(order, "changed my mind", "customer", AT), actor="alice")
    execute()

    bake("sales.orders")

    detail = OrderDetail.objects.get(pk=order)
    assert OrderSummary.objects.get(pk=order).status == "cancelled"
    assert (detail.cancelled_by, detail.cancel_reason) == ("customer", "changed my mind")


def test_a_checkouts_rejected_order_is_shown_with_nothing_on_it_and_why() -> None:
    pc = create_product("pc", "3200.00")
    execute()
    submit(catalog.DiscontinueProduct(pc), actor="staff:test")
    execute()
    order, cart = uuid.uuid4(), uuid.uuid4()
    line = domain.RequestedLine(pc, 1)
    submit(domain.PlaceOrder(order, ALICE, (line,), HOME, AT, cart), actor="receptor:test")
    execute()

    bake("sales.orders")

    [rejected] = store.read_stream(order)
    assert rejected.data == domain.OrderRejected(order, ALICE, cart, "pc is discontinued", HOME, AT)
    summary = OrderSummary.objects.get(pk=order)
    assert (summary.customer_id, summary.status, summary.total, summary.item_count) == (
        ALICE, "rejected", Decimal("0.00"), 0
    )  # fmt: skip
    assert (summary.placed_at, summary.updated_at, summary.version) == (
        AT, rejected.recorded_at, 1
    )  # fmt: skip
    detail = OrderDetail.objects.get(pk=order)
    assert (detail.cart_id, detail.ship_to_name, detail.ship_to_country) == (
        cart, "Alice Doe", "US"
    )  # fmt: skip
    assert not OrderLine.objects.filter(order_id=order).exists()
    page = json.loads(detail.document)
    assert (page["status"], page["lines"], page["total"]) == ("rejected", [], "0.00")
    [entry] = page["timeline"]
    assert (entry["type"], entry["data"]["reason"]) == ("sales.OrderRejected", "pc is discontinued")
    [feed] = OrderFeedEntry.objects.filter(order_id=order)
    assert (feed.message["event"], feed.message["order"]["status"]) == (
        "sales.OrderRejected", "rejected"
    )  # fmt: skip


def test_events_of_an_order_never_placed_change_nothing() -> None:
    stranger = uuid.uuid4()
    invoice_issued(stranger, "10.00")

    bake("sales.orders")

    assert not OrderSummary.objects.filter(pk=stranger).exists()
    assert not OrderTimelineEntry.objects.filter(order_id=stranger).exists()
    assert not OrderFeedEntry.objects.filter(order_id=stranger).exists()
