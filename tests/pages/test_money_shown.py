"""The live pages show each amount with the shop's currency after it, "13.50 EUR": as
rendered (no browser), and as the page's script fills a row from a feed message (in a
real Chromium)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from tests.livestack import Server, make_user
from tests.pages.journey import PASSWORD, board_fed
from tests.pages.test_page_access import placed_order, signed_in, user

SHOWN_TOTAL = re.compile(
    r'<span data-field="total">([^<]*)</span> <span data-field="currency">([^<]*)</span>'
)


def shown_totals(html: str) -> list[tuple[str, str]]:
    return SHOWN_TOTAL.findall(html)


@pytest.mark.django_db
def test_an_order_page_and_the_board_show_amounts_with_the_currency() -> None:
    customer = user()
    order_id = placed_order(customer)  # 3 notebooks at 4.50

    page = signed_in(customer).get(f"/orders/{order_id}").content.decode()
    board = signed_in(user(staff=True)).get("/live").content.decode()

    assert shown_totals(page) == [("13.50", "EUR")]
    assert '<td class="money">4.50 EUR</td><td>3</td><td class="money">13.50 EUR</td>' in page
    assert shown_totals(board)[0] == ("13.50", "EUR")


@pytest.mark.django_db
def test_another_shop_currency_shows_on_the_pages(settings: Any) -> None:
    customer = user()
    order_id = placed_order(customer)
    settings.SHOP_CURRENCY = "USD"

    page = signed_in(customer).get(f"/orders/{order_id}").content.decode()
    board = signed_in(user(staff=True)).get("/live").content.decode()

    assert shown_totals(page) == [("13.50", "USD")]
    assert '<td class="money">4.50 USD</td>' in page
    assert "EUR" not in page
    assert shown_totals(board)[0] == ("13.50", "USD")


@pytest.mark.integration
def test_the_board_shows_a_new_order_s_total_with_the_currency_of_its_message(
    browser: Browser, start_server: Callable[[], Server]
) -> None:
    server = start_server()
    staff = make_user(staff=True, password=PASSWORD)
    order_id, at = str(uuid.uuid4()), "2999-01-01T00:00:00Z"
    message = {
        "type": "order.event", "position": 10**9, "orderId": order_id,
        "event": "sales.OrderPlaced", "occurredAt": at,
        "order": {
            "orderId": order_id, "customerId": str(uuid.uuid4()), "status": "placed",
            "total": "7.00", "currency": "CHF", "itemCount": 1, "placedAt": at, "updatedAt": at,
        },
    }  # fmt: skip

    page = board_fed(browser, server, staff.username, message)

    row = page.locator(f'#board tbody tr[data-order-id="{order_id}"]')
    expect(row.locator("td.money")).to_have_text("7.00 CHF")
    expect(row.locator("[data-field=total]")).to_have_text("7.00")
    expect(row.locator("[data-field=currency]")).to_have_text("CHF")
