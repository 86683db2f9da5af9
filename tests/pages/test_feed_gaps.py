"""The live pages check that each feed message follows the last one they applied.

The feed here is Playwright's, routed in place of the server's, so it can break the chain
as no correct server would: the page must not apply a message that skips one, and must
resume with `?after=` the last position it applied, which replays the one it missed.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Browser, WebSocketRoute, expect

from tests.livestack import Server, make_user
from tests.pages.journey import PASSWORD, TIMEOUT_MS, applied_positions

pytestmark = [pytest.mark.integration]


def order_event(order_id: str, position: int, previous: int) -> str:
    at = "2026-03-01T12:00:00.000000Z"
    return json.dumps({
        "type": "order.event", "position": position, "previous": previous,
        "orderId": order_id, "event": "sales.OrderPlaced", "occurredAt": at,
        "order": {
            "orderId": order_id, "customerId": str(uuid.uuid4()), "status": "placed",
            "total": "5.00", "itemCount": 1, "placedAt": at, "updatedAt": at,
        },
    })  # fmt: skip


def test_a_message_that_skips_one_makes_the_board_resume_from_the_last_it_applied(
    browser: Browser, start_server: Callable[[], Server]
) -> None:
    server = start_server()
    staff = make_user(staff=True, password=PASSWORD)
    order_id = str(uuid.uuid4())
    afters: list[int] = []

    def feed(socket: WebSocketRoute) -> None:
        after = int(parse_qs(urlsplit(socket.url).query)["after"][0])
        if not afters:  # the first socket: one message, then one that skips the next
            socket.send(order_event(order_id, after + 1, after))
            socket.send(order_event(order_id, after + 3, after + 2))
        else:  # the resumed socket replays from where the page stood
            socket.send(order_event(order_id, after + 1, after))
            socket.send(order_event(order_id, after + 2, after + 1))
        afters.append(after)

    context = browser.new_context()
    context.route_web_socket("**/ws/order-events*", feed)
    board = context.new_page()
    board.set_default_timeout(TIMEOUT_MS)
    board.goto(f"{server.url}/accounts/login/?next=/live")
    board.fill("input[name=username]", staff.username)
    board.fill("input[name=password]", PASSWORD)
    board.click("button[type=submit]")

    row = board.locator(f'tr[data-order-id="{order_id}"]')
    expect(row).to_have_attribute("data-updates", "3")
    expect(board.locator("#board")).to_have_attribute("data-connections", "2")
    head = afters[0]
    assert afters == [head, head + 1]
    assert applied_positions(board, order_id) == [head + 1, head + 2, head + 3]
    assert board.locator("#board").get_attribute("data-position") == str(head + 3)
    expect(board.locator("#connection")).to_have_text("live")
