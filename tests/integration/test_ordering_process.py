"""The whole ordering process through a real Celery worker and beat, every table exact."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Callable
from decimal import Decimal

from django.utils import timezone

from contexts.cart import domain as cart
from contexts.cart.models import Cart, CartLine
from contexts.catalog import domain as catalog
from contexts.invoicing import domain as invoicing
from contexts.invoicing.models import Invoice, VendorMonthlyBilling
from contexts.sales import domain as sales
from contexts.sales.models import (
    OrderDetail,
    OrderLine,
    OrderSummary,
    OrderTimelineEntry,
    PopularItem,
)
from contexts.shared.values import Address, derived_id
from contexts.shipping import domain as shipping
from contexts.shipping.models import Shipment
from eventstore.inbox import submit
from eventstore.rebuild import verify
from eventstore.subscribers import registry
from tests.integration.processes import wait_for_lag_zero, wait_until_executed

STAFF = "user:staff"
ADDRESS = Address("Ada Lovelace", "12 Analytical St", "London", "N1 9GU", "GB")


def eventually(check: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(f"{check.__doc__ or check} still false after {timeout}s")


def status_of(order_id: uuid.UUID) -> str | None:
    row = OrderSummary.objects.filter(order_id=order_id).first()
    return row.status if row else None


def create_product(name: str, price: str) -> tuple[uuid.UUID, uuid.UUID]:
    product, vendor = uuid.uuid4(), uuid.uuid4()
    command = catalog.CreateProduct(product, vendor, name, Decimal(price))
    wait_until_executed([submit(command, actor=STAFF).command_id])
    return product, vendor


def all_bakers_caught_up() -> None:
    for baker in registry.bakers():
        wait_for_lag_zero(baker.name)


def test_checkout_to_delivery_with_every_table_exact(shared_worker_and_beat) -> None:
    product, vendor = create_product("awesome-desktop-pc", "3200.00")
    customer, cart_id, order_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    actor = f"customer:{customer}"

    submit(cart.AddItem(cart_id, customer, product, 2), actor=actor)
    submit(cart.CheckOut(cart_id, customer, order_id, ADDRESS, timezone.now()), actor=actor)
    eventually(lambda: status_of(order_id) == "invoiced")
    invoice_id = derived_id("invoice", order_id)
    pay = invoicing.RegisterPayment(invoice_id, Decimal("6400.00"), "bank-1", timezone.now())
    wait_until_executed([submit(pay, actor=STAFF).command_id])
    eventually(
        lambda: (
            status_of(order_id) == "paid" and Shipment.objects.filter(order_id=order_id).exists()
        )
    )
    shipment_id = derived_id("shipment", order_id)
    dispatch = shipping.DispatchShipment(shipment_id, "DHL", "JD0001", timezone.now())
    wait_until_executed([submit(dispatch, actor=STAFF).command_id])
    eventually(lambda: status_of(order_id) == "shipped")
    deliver = shipping.ConfirmDelivery(shipment_id, timezone.now())
    wait_until_executed([submit(deliver, actor=STAFF).command_id])
    eventually(lambda: status_of(order_id) == "delivered")
    all_bakers_caught_up()

    summary = OrderSummary.objects.get(order_id=order_id)
    assert (summary.customer_id, summary.status, summary.total, summary.item_count) == (
        customer, "delivered", Decimal("6400.00"), 2
    )  # fmt: skip
    [line] = OrderLine.objects.filter(order_id=order_id)
    assert (line.product_id, line.vendor_id, line.name, line.unit_price, line.quantity) == (
        product, vendor, "awesome-desktop-pc", Decimal("3200.00"), 2
    )  # fmt: skip
    assert line.line_total == Decimal("6400.00")
    detail = OrderDetail.objects.get(order_id=order_id)
    assert (detail.cart_id, detail.invoice_id, detail.invoice_status) == (
        cart_id,
        invoice_id,
        "paid",
    )
    assert (detail.shipment_id, detail.shipment_status) == (shipment_id, "delivered")
    assert (detail.carrier, detail.tracking_number) == ("DHL", "JD0001")
    assert (detail.ship_to_name, detail.ship_to_country) == ("Ada Lovelace", "GB")
    timeline = list(OrderTimelineEntry.objects.filter(order_id=order_id).order_by("position"))
    types = [entry.type for entry in timeline]
    assert sorted(types) == sorted([
        "sales.OrderPlaced", "invoicing.InvoiceIssued", "sales.OrderInvoiced",
        "invoicing.PaymentReceived", "invoicing.InvoicePaid", "sales.OrderPaid",
        "shipping.ShipmentCreated", "shipping.ShipmentDispatched", "sales.OrderShipped",
        "shipping.ShipmentDelivered", "sales.OrderDelivered",
    ])  # fmt: skip
    assert types[0] == "sales.OrderPlaced" and types[-1] == "sales.OrderDelivered"
    assert types.index("invoicing.InvoicePaid") < types.index("sales.OrderPaid")
    assert timeline[0].actor == "receptor:sales.checkout"

    invoice = Invoice.objects.get(invoice_id=invoice_id)
    assert (invoice.order_id, invoice.status, invoice.amount, invoice.paid_amount) == (
        order_id, "paid", Decimal("6400.00"), Decimal("6400.00")
    )  # fmt: skip
    assert invoice.due_at - invoice.issued_at == dt.timedelta(days=3)
    today = timezone.now()
    billing = VendorMonthlyBilling.objects.get(vendor_id=vendor, year=today.year, month=today.month)
    assert billing.balance == Decimal("6400.00")
    popular = PopularItem.objects.get(
        vendor_id=vendor, product_id=product, day=summary.placed_at.date()
    )
    assert (popular.name, popular.quantity) == ("awesome-desktop-pc", 2)
    shipment = Shipment.objects.get(order_id=order_id)
    assert (shipment.shipment_id, shipment.status, shipment.carrier) == (
        shipment_id,
        "delivered",
        "DHL",
    )
    cart_row = Cart.objects.get(cart_id=cart_id)
    assert (cart_row.customer_id, cart_row.total) == (customer, Decimal("0.00"))
    assert not CartLine.objects.filter(cart_id=cart_id).exists()
    for baker in registry.bakers():
        assert all(diff.equal for diff in verify(baker)), baker.name


def test_an_expired_payment_deadline_cancels_the_order(celery_processes) -> None:
    celery_processes("worker", env={"SHOP_PAYMENT_WINDOW": "2"})
    celery_processes("beat")
    product, _ = create_product("slow-payer-lamp", "10.00")
    customer, order_id = uuid.uuid4(), uuid.uuid4()
    line = sales.RequestedLine(product, 1)
    place = sales.PlaceOrder(order_id, customer, (line,), ADDRESS, timezone.now())

    wait_until_executed([submit(place, actor=f"customer:{customer}").command_id])
    eventually(lambda: status_of(order_id) == "invoiced")
    eventually(lambda: status_of(order_id) == "cancelled", timeout=30)
    all_bakers_caught_up()

    detail = OrderDetail.objects.get(order_id=order_id)
    assert (detail.cancelled_by, detail.cancel_reason) == ("system", "payment deadline passed")
    invoice = Invoice.objects.get(order_id=order_id)
    assert invoice.status == "voided"
    types = list(
        OrderTimelineEntry.objects.filter(order_id=order_id)
        .order_by("position")
        .values_list("type", flat=True)
    )
    assert types[-3:] == [
        "invoicing.InvoiceOverdue",
        "sales.OrderCancelled",
        "invoicing.InvoiceVoided",
    ]


def test_staff_cannot_cancel_an_order_whose_shipment_has_left(committed_db) -> None:
    """Even before the order has heard of the dispatch (its receptor has not run yet)."""
    from eventstore.executor import Executor
    from eventstore.models import Command
    from eventstore.subscribers import Runner

    product, _ = create_product_inline("dispatched-desk", "50.00")
    customer, order_id = uuid.uuid4(), uuid.uuid4()
    place = sales.PlaceOrder(order_id, customer, (sales.RequestedLine(product, 1),), ADDRESS,
                             timezone.now())  # fmt: skip
    submit(place, actor=f"customer:{customer}")
    Executor().run()
    for name in ("invoicing.orders", "sales.billing"):
        Runner(registry.named(name)).catch_up()
    Executor().run()
    pay = invoicing.RegisterPayment(derived_id("invoice", order_id), Decimal("50.00"), "r1",
                                    timezone.now())  # fmt: skip
    submit(pay, actor=STAFF)
    Executor().run()
    for name in ("shipping.orders", "sales.billing"):
        Runner(registry.named(name)).catch_up()
    Executor().run()
    shipment = derived_id("shipment", order_id)
    submit(shipping.DispatchShipment(shipment, "DHL", "T1", timezone.now()), actor=STAFF)
    Executor().run()  # dispatched; sales.delivery has not told the order yet

    cancel = submit(sales.CancelOrder(order_id, "too late", "staff", timezone.now()), actor=STAFF)
    Executor().run()

    command = Command.objects.get(id=cancel.command_id)
    assert (command.status, command.error["detail"]) == (
        "rejected", "the shipment is already dispatched"
    )  # fmt: skip


def create_product_inline(name: str, price: str) -> tuple[uuid.UUID, uuid.UUID]:
    from eventstore.executor import Executor

    product, vendor = uuid.uuid4(), uuid.uuid4()
    submit(catalog.CreateProduct(product, vendor, name, Decimal(price)), actor=STAFF)
    Executor().run()
    return product, vendor
