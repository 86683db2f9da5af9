"""One order's journey through the REST API, and what the live pages show of it."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit
from uuid import UUID

from playwright.sync_api import Browser, Page, WebSocketRoute, expect

from contexts.sales.management.commands.seed_demo import product_id
from contexts.sales.models import OrderFeedEntry
from contexts.shared.values import derived_id
from tests.livestack import Client, Server

PASSWORD = "pages-password-1"
TIMEOUT_MS = 30_000
ADDRESS = {
    "name": "Ada Lovelace", "line1": "12 St James's Square", "city": "London",
    "postalCode": "SW1Y 4JH", "country": "GB",
}  # fmt: skip


def place_order(customer: Client) -> str:
    """A direct order of two desktops and a mouse; its id."""
    lines = [
        {"productId": str(product_id("awesome-desktop-pc")), "quantity": 2},
        {"productId": str(product_id("wireless-mouse")), "quantity": 1},
    ]
    answer = customer.write("POST", "/api/order", {"lines": lines, "shippingAddress": ADDRESS})
    return answer["orderId"]


def pay(staff: Client, order_id: str) -> None:
    invoice = str(derived_id("invoice", UUID(order_id)))
    due = staff.wait_for(f"/api/invoices/{invoice}", lambda invoice: True)
    staff.write(
        "POST", f"/api/invoices/{invoice}/payments",
        {"amount": due["amount"], "reference": f"wire-{order_id[:8]}"},
    )  # fmt: skip


def dispatch(staff: Client, order_id: str) -> None:
    shipment = str(derived_id("shipment", UUID(order_id)))
    staff.wait_for(f"/api/shipments/{shipment}", lambda shipment: True)
    staff.write(
        "POST", f"/api/shipments/{shipment}/dispatch",
        {"carrier": "DHL", "trackingNumber": f"JD{order_id[:8]}"},
    )  # fmt: skip


def signed_in_page(browser: Browser, server: Server, username: str, path: str) -> Page:
    """A fresh browser session, signed in on /accounts/login/, on `path` once it is live."""
    page = browser.new_context().new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(f"{server.url}/accounts/login/?next={path}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{server.url}{path}")
    expect(page.locator("#connection")).to_have_text("live", timeout=TIMEOUT_MS)
    page.evaluate("window.neverReloaded = true")  # gone if the page ever reloads
    return page


def board_fed(browser: Browser, server: Server, username: str, message: dict) -> Page:
    """The board, signed in as `username`, its feed a routed websocket that sends
    `message` once, following the position the page resumes after."""

    def feed(socket: WebSocketRoute) -> None:
        after = int(parse_qs(urlsplit(socket.url).query)["after"][0])
        socket.send(json.dumps({**message, "previous": after}))

    context = browser.new_context()
    context.route_web_socket("**/ws/order-events*", feed)
    page = context.new_page()
    page.goto(f"{server.url}/accounts/login/?next=/live")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    return page


def applied_positions(page: Page, order_id: str) -> list[int]:
    """The feed positions the page applied for this order, in the order it applied them."""
    return page.eval_on_selector_all(
        f'#applied li[data-order-id="{order_id}"]',
        "items => items.map(item => Number(item.dataset.position))",
    )


def feed_positions(order_id: str) -> list[int]:
    """The order's feed messages as the baker stored them."""
    rows = OrderFeedEntry.objects.filter(order_id=order_id).order_by("position")
    return list(rows.values_list("position", flat=True))


def expect_status(page: Page, selector: str, status: str) -> None:
    expect(page.locator(selector)).to_have_attribute("data-status", status, timeout=TIMEOUT_MS)
