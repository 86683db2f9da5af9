"""Who placed an order, on the live boards: staff read the customer's username, as
rendered and as the feed brings new orders; a customer's own board has no customer
column, and their feed names nobody."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Browser, expect

from contexts.sales.models import OrderSummary
from shop.customers import customer_id_for
from tests.livestack import Client, Server, make_user
from tests.pages.journey import PASSWORD, TIMEOUT_MS, expect_status, place_order, signed_in_page
from tests.pages.test_page_access import placed_order, signed_in, user


@pytest.mark.django_db
def test_staff_read_the_customers_username_on_the_board() -> None:
    customer = user()
    order_id = placed_order(customer)

    html = signed_in(user(staff=True)).get("/live").content.decode()

    row = html[html.index(f'data-order-id="{order_id}"') :].split("</tr>")[0]
    cid = customer_id_for(customer)
    assert f'<td data-field="customer" title="{cid}">{customer.username}</td>' in row
    assert "<th>Customer</th>" in html


@pytest.mark.django_db
def test_staff_read_the_start_of_a_customer_id_no_user_has() -> None:
    order_id = placed_order(user())
    stranger = uuid.uuid4()
    OrderSummary.objects.filter(pk=order_id).update(customer_id=stranger)

    html = signed_in(user(staff=True)).get("/live").content.decode()

    cell = f'<td data-field="customer" title="{stranger}"><code>{str(stranger)[:8]}</code></td>'
    assert cell in html


@pytest.mark.django_db
def test_a_customers_own_board_has_no_customer_column() -> None:
    customer = user()
    order_id = placed_order(customer)

    html = signed_in(customer).get("/orders/").content.decode()

    assert f'data-order-id="{order_id}"' in html
    assert "<th>Customer</th>" not in html
    assert 'data-field="customer"' not in html
    assert "data-customer-column" not in html
    assert str(customer_id_for(customer)) not in html


@pytest.mark.integration
@pytest.mark.usefixtures("demo_catalog", "workers")
def test_a_new_order_reaches_the_staff_board_named_and_the_customers_board_unnamed(
    browser: Browser, start_server: Callable[[], Server]
) -> None:
    server = start_server()
    staff = make_user(staff=True, password=PASSWORD)
    customer: User = make_user(password=PASSWORD)
    board = signed_in_page(browser, server, staff.username, "/live")
    own = signed_in_page(browser, server, customer.username, "/orders/")

    order_id = place_order(Client(server, customer))

    row = f'tr[data-order-id="{order_id}"]'
    staff_cell = board.locator(f"{row} [data-field=customer]")
    expect(staff_cell).to_have_text(customer.username, timeout=TIMEOUT_MS)
    expect(staff_cell).to_have_attribute("title", str(customer_id_for(customer)))
    expect_status(own, row, "invoiced")
    assert own.locator(f"{row} td").count() == 6  # order, status, items, total, two times
    assert own.locator("[data-field=customer]").count() == 0
    assert str(customer_id_for(customer)) not in own.content()
