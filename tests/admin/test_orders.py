"""The orders list (filters, search, CSV) and an order's page (lines, invoice, shipment,
timeline), as staff see them."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.utils import timezone

from contexts.sales.models import OrderSummary
from tests.admin.support import (
    Placed,
    client_for,
    make_user,
    messages_of,
    order_in,
    place_order,
    settle,
)

pytestmark = pytest.mark.django_db
ORDERS = "/admin/sales/ordersummary/"


def listed(query: str, *among: Placed) -> set[str]:
    """Which of `among` the list shows for this query string."""
    page = client_for(make_user("support")).get(f"{ORDERS}?{query}").content.decode()
    return {p.product_name for p in among if f"/sales/ordersummary/{p.order_id}/change/" in page}


def test_the_list_shows_id_customer_status_total_and_times() -> None:
    placed = order_in("invoiced")
    summary = OrderSummary.objects.get(pk=placed.order_id)

    page = client_for(make_user("support")).get(f"{ORDERS}?q={placed.order_id}")

    html = page.content.decode()
    for column in ("Order id", "Customer", "Status", "Total", "Placed at", "Updated at"):
        assert f">{column}<" in html
    row = html[html.index(f'title="{placed.order_id}"') :].split("</tr>")[0]
    assert placed.customer.username in row
    assert ">invoiced<" in row and ">50.00 EUR<" in row
    assert summary.placed_at.strftime("%Y") in row


def test_the_list_filters_by_status() -> None:
    invoiced, paid = order_in("invoiced"), order_in("paid")

    assert listed("status=paid", invoiced, paid) == {paid.product_name}
    assert listed("status=invoiced", invoiced, paid) == {invoiced.product_name}


def test_the_list_filters_by_placed_date_range_inclusive() -> None:
    now = timezone.now()
    old = place_order(placed_at=now - dt.timedelta(days=10))
    recent = place_order(placed_at=now - dt.timedelta(days=2))
    settle()
    day = (now - dt.timedelta(days=2)).date()

    assert listed(f"placed_at_from={day}&placed_at_to={day}", old, recent) == {recent.product_name}
    assert listed(f"placed_at_to={day - dt.timedelta(days=1)}", old, recent) == {old.product_name}


def test_the_list_filters_by_customer_and_by_vendor() -> None:
    first, second = place_order(), place_order()
    settle()
    email = first.customer.email.upper()

    assert listed(f"customer={first.customer.username}", first, second) == {first.product_name}
    assert listed(f"customer={email}", first, second) == {first.product_name}
    assert listed(f"vendor={second.vendor_id}", first, second) == {second.product_name}
    assert listed("customer=nobody-at-all", first, second) == set()


@pytest.mark.parametrize("how", ["order id", "username", "email", "product name"])
def test_the_list_searches_by_order_customer_and_product(how: str) -> None:
    first, second = place_order(), place_order()
    settle()
    term = {
        "order id": str(first.order_id)[:13],
        "username": first.customer.username,
        "email": first.customer.email,
        "product name": first.product_name,
    }[how]

    assert listed(f"q={term}", first, second) == {first.product_name}


def test_the_csv_export_holds_exactly_the_filtered_list() -> None:
    first, second = place_order(), order_in("paid")
    settle()

    response = client_for(make_user("support")).get(
        f"{ORDERS}export.csv?status=paid&vendor={second.vendor_id}"
    )

    assert response["Content-Type"] == "text/csv"
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == ["id", "customer", "customer_id", "status", "total", "currency", "items",
                       "placed", "updated"]  # fmt: skip
    assert [row[:7] for row in rows[1:]] == [
        [str(second.order_id), second.customer.username,
         str(OrderSummary.objects.get(pk=second.order_id).customer_id), "paid", "50.00", "EUR",
         "2"]
    ]  # fmt: skip
    assert all(str(first.order_id) != row[0] for row in rows)


def test_the_order_page_shows_lines_invoice_shipment_and_every_event() -> None:
    placed = order_in("shipped")

    html = (
        client_for(make_user("support")).get(f"{ORDERS}{placed.order_id}/change/").content.decode()
    )

    lines = html[html.index('id="order-lines"') : html.index('id="order-delivery"')]
    assert placed.product_name in lines and ">25.00 EUR<" in lines and ">2<" in lines
    invoice = html[html.index('id="order-invoice"') : html.index('id="order-shipment"')]
    assert str(placed.invoice_id) in invoice and ">paid<" in invoice
    assert "<th>amount</th><td>50.00 EUR</td>" in invoice
    assert "<th>paid</th><td>50.00 EUR</td>" in invoice
    assert ">50.00 EUR<" in html[: html.index('id="order-lines"')]  # the order's own total
    shipment = html[html.index('id="order-shipment"') : html.index('id="order-timeline"')]
    assert str(placed.shipment_id) in shipment and ">DHL<" in shipment and ">JD0001<" in shipment
    timeline = html[html.index('id="order-timeline"') :]
    types = [part.split('"')[0] for part in timeline.split('data-type="')[1:]]
    assert types == [
        "sales.OrderPlaced", "invoicing.InvoiceIssued", "sales.OrderInvoiced",
        "invoicing.PaymentReceived", "invoicing.InvoicePaid", "sales.OrderPaid",
        "shipping.ShipmentCreated", "shipping.ShipmentDispatched", "sales.OrderShipped",
    ]  # fmt: skip
    assert f"customer:{placed.customer.pk}" in timeline and "staff:test-setup" in timeline
    assert "&quot;carrier&quot;: &quot;DHL&quot;" in timeline


def test_an_unknown_order_is_not_found() -> None:
    response = client_for(make_user("support")).get(
        f"{ORDERS}00000000-0000-0000-0000-000000000000/change/", follow=True
    )

    assert response.redirect_chain == [("/admin/", 302)]
    assert "00000000-0000-0000-0000-000000000000" in messages_of(response)[0]
