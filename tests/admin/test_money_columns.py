"""Back-office amounts show with the shop's currency after them ("50.00 EUR"): in the
lists, on the detail pages, on the dashboard, and as the amount forms ask for them."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest

from contexts.cart import domain as cart
from contexts.invoicing.admin import PaymentForm
from eventstore.inbox import submit
from shop.customers import customer_id_for
from tests.admin.support import client_for, make_user, order_in, settle

pytestmark = pytest.mark.django_db


def page(url: str) -> str:
    return client_for(make_user(superuser=True)).get(url).content.decode()


def row_of(html: str, row_id: object) -> str:
    """The list row that links to `row_id`'s page."""
    start = html.index(f"/{row_id}/change/")
    return html[html.rindex("<tr", 0, start) : html.index("</tr>", start)]


def cells(row: str, name: str) -> list[str]:
    return re.findall(rf'<td class="field-{name}">([^<]*)</td>', row)


def listed_amounts() -> dict[str, list[str]]:
    """The money columns of one paid order's rows (2 at 25.00), and its cart's (3 at 25.00),
    in each back-office list."""
    placed = order_in("paid")
    cart_id = uuid.uuid4()
    add = cart.AddItem(cart_id, customer_id_for(placed.customer), placed.product_id, 3)
    submit(add, actor=f"customer:{placed.customer.pk}")
    settle()
    orders = row_of(page(f"/admin/sales/ordersummary/?q={placed.order_id}"), placed.order_id)
    product = row_of(page(f"/admin/catalog/product/?q={placed.product_name}"), placed.product_id)
    invoice = row_of(page(f"/admin/invoicing/invoice/?q={placed.invoice_id}"), placed.invoice_id)
    carts = row_of(page(f"/admin/cart/cart/?q={cart_id}"), cart_id)
    return {
        "order total": cells(orders, "total_shown"),
        "product price": cells(product, "price_shown"),
        "invoice amount": cells(invoice, "amount_shown"),
        "invoice paid": cells(invoice, "paid_amount_shown"),
        "cart total": cells(carts, "total_shown"),
    }  # fmt: skip


def test_the_lists_show_each_amount_with_the_currency() -> None:
    assert listed_amounts() == {
        "order total": ["50.00 EUR"],
        "product price": ["25.00 EUR"],
        "invoice amount": ["50.00 EUR"],
        "invoice paid": ["50.00 EUR"],
        "cart total": ["75.00 EUR"],
    }


def test_another_shop_currency_shows_in_the_lists_on_the_pages_and_the_dashboard(
    settings: Any,
) -> None:
    settings.SHOP_CURRENCY = "USD"

    listed = listed_amounts()
    placed = order_in("paid")
    invoice = page(f"/admin/invoicing/invoice/{placed.invoice_id}/change/")
    dashboard = page("/admin/")

    assert {cell for column in listed.values() for cell in column} == {
        "50.00 USD", "25.00 USD", "75.00 USD"
    }  # fmt: skip
    assert re.search(r'<div class="readonly">50\.00 USD</div>', invoice)
    assert " USD revenue" in dashboard and " USD unpaid" in dashboard
    assert "EUR" not in invoice + dashboard


def test_an_amount_form_says_which_currency_it_takes(settings: Any) -> None:
    settings.SHOP_CURRENCY = "GBP"

    form = PaymentForm()

    assert str(form["amount"].help_text) == "In GBP."
