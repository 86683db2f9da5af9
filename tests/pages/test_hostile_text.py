"""Markup in data shows as text on the live pages, in a real Chromium, under the policy.

A product named like an HTML tag is rendered by the order page's template; a feed
message full of tags (sent to the board through a routed websocket, as a compromised or
buggy server might) is rendered by live.js. Neither may become markup, nor run.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Browser, expect

from tests.livestack import Client, Server, make_user
from tests.pages.journey import ADDRESS, PASSWORD, board_fed, signed_in_page

pytestmark = [pytest.mark.integration]

HOSTILE = '<img src=x onerror="window.injected = 1">'


def test_a_product_name_with_markup_shows_as_text_on_the_order_page(
    browser: Browser, start_server: Callable[[], Server], workers: object
) -> None:
    server = start_server()
    staff, customer = make_user(staff=True), make_user(password=PASSWORD)
    created = Client(server, staff).write(
        "POST", "/api/products",
        {"vendorId": "5e1f0c8a-3d41-4c8e-9b7a-2f6d1e0a9c44", "name": HOSTILE, "price": "5.00"},
    )  # fmt: skip
    Client(server, staff).wait_for(f"/api/products/{created['productId']}", lambda p: p["active"])
    lines = [{"productId": created["productId"], "quantity": 1}]
    order = Client(server, customer).write(
        "POST", "/api/order", {"lines": lines, "shippingAddress": ADDRESS}
    )["orderId"]
    Client(server, customer).wait_for(f"/api/order/{order}", lambda o: True)

    page = signed_in_page(browser, server, customer.username, f"/orders/{order}")

    expect(page.locator("table.lines tbody td").first).to_have_text(HOSTILE)
    assert page.locator("#order img").count() == 0
    assert page.evaluate("window.injected") is None


def test_a_feed_message_with_markup_shows_as_text_on_the_board(
    browser: Browser, start_server: Callable[[], Server]
) -> None:
    server = start_server()
    staff = make_user(staff=True, password=PASSWORD)
    message = {
        "type": "order.event", "position": 10**9, "orderId": HOSTILE,
        "event": HOSTILE, "occurredAt": HOSTILE,
        "order": {
            "orderId": HOSTILE, "customerId": HOSTILE, "customerName": HOSTILE,
            "status": HOSTILE, "total": HOSTILE,
            "itemCount": HOSTILE, "placedAt": "9999", "updatedAt": HOSTILE,
        },
    }  # fmt: skip

    page = board_fed(browser, server, staff.username, message)

    row = page.locator("#board tbody tr").first
    expect(row.locator("[data-field=status]")).to_have_text(HOSTILE)
    expect(row.locator("[data-field=customer]")).to_have_text(HOSTILE)
    expect(row.locator("[data-field=customer]")).to_have_attribute("title", HOSTILE)
    expect(row.locator("[data-field=total]")).to_have_text(HOSTILE)
    assert page.locator("#board img").count() == 0
    assert page.evaluate("window.injected") is None
