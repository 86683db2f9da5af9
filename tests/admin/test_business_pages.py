"""Invoices, shipments and carts: lists with filters and search, detail pages, and the
payment and dispatch buttons on their pages."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.utils import timezone

from contexts.cart import domain as cart
from contexts.invoicing import domain as invoicing
from contexts.shipping.models import Shipment
from eventstore.executor import Executor
from eventstore.inbox import submit
from eventstore.subscribers import Runner, registry
from shop.customers import customer_id_for
from tests.admin.support import (
    action_url,
    client_for,
    commands_by,
    make_user,
    order_in,
    place_order,
    settle,
)

pytestmark = pytest.mark.django_db
INVOICES, SHIPMENTS, CARTS = (
    "/admin/invoicing/invoice/",
    "/admin/shipping/shipment/",
    "/admin/cart/cart/",
)


def page(user_group: str, url: str) -> str:
    return client_for(make_user(user_group)).get(url).content.decode()


def test_invoices_filter_by_status_and_search_by_customer() -> None:
    open_one, paid_one = order_in("invoiced"), order_in("paid")

    paid = page("finance", f"{INVOICES}?status__exact=paid&q={paid_one.customer.username}")
    awaiting = page("finance", f"{INVOICES}?payment=awaiting&q={open_one.customer.email}")

    assert str(paid_one.invoice_id) in paid and str(open_one.invoice_id) not in paid
    assert str(open_one.invoice_id) in awaiting


def test_an_open_invoice_past_its_deadline_is_listed_as_overdue() -> None:
    placed = place_order()
    settle()
    invoice_id, now = uuid.uuid4(), timezone.now()
    line = invoicing.InvoiceLine(
        placed.product_id, placed.vendor_id, "lamp", Decimal("9.00"), 1, Decimal("9.00")
    )
    issue = invoicing.IssueInvoice(
        invoice_id, placed.order_id, customer_id_for(placed.customer), (line,), Decimal("9.00"),
        now - dt.timedelta(days=4), now - dt.timedelta(days=1),
    )  # fmt: skip
    submit(issue, actor="staff:test-setup")
    Executor().run()
    Runner(registry.named("invoicing.invoices")).catch_up()  # the deadline has not run yet

    overdue = page("finance", f"{INVOICES}?payment=overdue&q={placed.customer.username}")
    awaiting = page("finance", f"{INVOICES}?payment=awaiting&q={placed.customer.username}")

    assert str(invoice_id) in overdue and str(invoice_id) not in awaiting
    assert str(placed.invoice_id) in awaiting and str(placed.invoice_id) not in overdue


def test_the_invoice_page_shows_lines_payments_and_the_payment_button(quick_outcomes) -> None:
    placed = order_in("paid")
    finance = make_user("finance")

    html = client_for(finance).get(f"{INVOICES}{placed.invoice_id}/change/").content.decode()
    client_for(finance).post(
        action_url("invoice", placed.invoice_id, "pay"), {"amount": "5.00", "reference": "x-2"}
    )

    lines = html[html.index('id="invoice-lines"') : html.index('id="invoice-payments"')]
    assert placed.product_name in lines and ">50.00 EUR<" in lines
    payments = html[html.index('id="invoice-payments"') :]
    assert ">bank-1<" in payments and ">50.00 EUR<" in payments
    assert "/do/pay/" in html
    [command] = commands_by(finance)
    assert (command.operation, command.stream_id) == ("RegisterPayment", placed.invoice_id)


def test_shipments_filter_by_status_and_search_by_tracking_number() -> None:
    waiting, shipped = order_in("paid"), order_in("shipped")

    listed = page(
        "warehouse",
        f"{SHIPMENTS}?status__exact=awaiting_dispatch&q={str(waiting.shipment_id)[:18]}",
    )
    found = page("warehouse", f"{SHIPMENTS}?q={str(shipped.order_id)[:13]}")

    assert str(waiting.shipment_id) in listed
    assert str(shipped.shipment_id) in found and ">JD0001<" in found


def test_the_shipment_page_shows_items_and_dispatches(quick_outcomes) -> None:
    placed = order_in("paid")
    warehouse = make_user("warehouse")
    staff = client_for(warehouse)

    html = staff.get(f"{SHIPMENTS}{placed.shipment_id}/change/").content.decode()
    staff.post(action_url("shipment", placed.shipment_id, "dispatch"),
               {"carrier": "DPD", "tracking_number": "D-1"})  # fmt: skip
    settle()

    items = html[html.index('id="shipment-items"') :]
    assert placed.product_name in items and ">2<" in items
    assert Shipment.objects.get(pk=placed.shipment_id).carrier == "DPD"
    assert [c.operation for c in commands_by(warehouse)] == ["DispatchShipment"]


def test_carts_list_search_and_page() -> None:
    placed = place_order()
    settle()
    shopper = placed.customer
    cart_id = uuid.uuid4()
    add = cart.AddItem(cart_id, customer_id_for(shopper), placed.product_id, 3)
    submit(add, actor=f"customer:{shopper.pk}")
    settle()

    listed = page("support", f"{CARTS}?contents=filled&q={shopper.username}")
    detail = page("support", f"{CARTS}{cart_id}/change/")

    assert str(cart_id) in listed and shopper.username in listed
    lines = detail[detail.index('id="cart-lines"') :]
    assert placed.product_name in lines and ">3<" in lines and ">75.00 EUR<" in lines
