"""The live pages in a real Chromium, against uvicorn, a Celery worker and beat, and as
`make run` serves them: the page from granian on one port, the feed from uvicorn on the
next.

Orders move through the REST API as a frontend and the staff would move them; the pages
must follow without a reload, and apply every feed message exactly once, even across a
server restart.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import pytest
from playwright.sync_api import Browser, expect

from shop.devstack.servers import http_server, with_site_origins
from shop.devstack.services import free_port
from tests.livestack import Client, Server, make_user
from tests.pages.journey import (
    PASSWORD,
    TIMEOUT_MS,
    applied_positions,
    dispatch,
    expect_status,
    feed_positions,
    pay,
    place_order,
    signed_in_page,
)

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("demo_catalog", "workers")]


def test_an_order_appears_on_the_board_and_moves_to_shipped_without_a_reload(
    browser: Browser, start_server: Callable[[], Server]
) -> None:
    server = start_server()
    staff, customer = make_user(staff=True, password=PASSWORD), make_user()
    board = signed_in_page(browser, server, staff.username, "/live")

    order_id = place_order(Client(server, customer))

    row = f'tr[data-order-id="{order_id}"]'
    expect(board.locator("#board tbody tr").first).to_have_attribute("data-order-id", order_id)
    expect_status(board, row, "invoiced")
    pay(Client(server, staff), order_id)
    expect_status(board, row, "paid")
    dispatch(Client(server, staff), order_id)
    expect_status(board, row, "shipped")
    expect(board.locator(f"{row} [data-field=status]")).to_have_text("shipped")
    expect(board.locator(row)).to_have_count(1)
    assert board.evaluate("window.neverReloaded") is True
    assert applied_positions(board, order_id) == feed_positions(order_id)
    assert board.locator(row).get_attribute("data-updates") == str(len(feed_positions(order_id)))


def test_a_board_from_the_http_port_follows_the_feed_on_the_websocket_port(
    browser: Browser, start_server: Callable[..., Server]
) -> None:
    """The HTTP server (granian) has no websockets: the board goes live only on the
    feed's port, which the page names, its policy allows, and whose server trusts it."""
    http_port, feed_port = free_port(), free_port()
    start_server(port=feed_port, env=with_site_origins({}, str(http_port)))
    site = start_server(
        port=http_port,
        command=partial(http_server, workers=1, threads=4),
        env={"SHOP_WEBSOCKET_PORT": str(feed_port)},
    )
    staff, customer = make_user(staff=True, password=PASSWORD), make_user()
    board = signed_in_page(browser, site, staff.username, "/live")

    order_id = place_order(Client(site, customer))

    row = f'tr[data-order-id="{order_id}"]'
    assert board.url == f"http://127.0.0.1:{http_port}/live"
    assert board.locator("#board").get_attribute("data-websocket-port") == str(feed_port)
    expect_status(board, row, "invoiced")
    assert applied_positions(board, order_id) == feed_positions(order_id)
    assert board.evaluate("window.neverReloaded") is True


def test_after_a_server_restart_the_board_catches_up_on_what_it_missed_exactly_once(
    browser: Browser, start_server: Callable[[], Server]
) -> None:
    """The board's server goes down mid-journey; the API keeps working on a second server
    (two ASGI servers, one database), so the order moves on while the board is away."""
    board_server, api_server = start_server(), start_server()
    staff, customer = make_user(staff=True, password=PASSWORD), make_user()
    board = signed_in_page(browser, board_server, staff.username, "/live")
    order_id = place_order(Client(api_server, customer))
    row = f'tr[data-order-id="{order_id}"]'
    expect_status(board, row, "invoiced")
    seen_before = applied_positions(board, order_id)

    board_server.stop()
    expect(board.locator("#connection")).to_have_text("reconnecting…")
    pay(Client(api_server, staff), order_id)
    dispatch(Client(api_server, staff), order_id)
    Client(api_server, staff).wait_for(f"/api/order/{order_id}", lambda o: o["status"] == "shipped")
    missed = [position for position in feed_positions(order_id) if position > seen_before[-1]]
    board_server.start()

    expect(board.locator("#connection")).to_have_text("live", timeout=TIMEOUT_MS)
    expect_status(board, row, "shipped")
    assert missed, "the order moved on while the board was away"
    assert applied_positions(board, order_id) == seen_before + missed == feed_positions(order_id)
    assert board.locator(row).get_attribute("data-updates") == str(len(feed_positions(order_id)))
    assert board.locator("#board").get_attribute("data-connections") == "2"
    assert board.evaluate("window.neverReloaded") is True


def test_a_customer_watches_their_order_page_follow_the_order(
    browser: Browser, start_server: Callable[[], Server]
) -> None:
    server = start_server()
    staff, customer = make_user(staff=True), make_user(password=PASSWORD)
    order_id = place_order(Client(server, customer))
    Client(server, customer).wait_for(f"/api/order/{order_id}", lambda order: True)
    page = signed_in_page(browser, server, customer.username, f"/orders/{order_id}")

    pay(Client(server, staff), order_id)
    dispatch(Client(server, staff), order_id)

    expect_status(page, "#order", "shipped")
    expect(page.locator("#order [data-field=status]")).to_have_text("shipped")
    expect(page.locator("#timeline li")).to_have_count(len(feed_positions(order_id)))
    timeline = page.eval_on_selector_all(
        "#timeline li", "items => items.map(item => Number(item.dataset.position))"
    )
    assert timeline == feed_positions(order_id)
    expect(page.locator("#timeline li .event").last).to_have_text("Shipped")
    assert page.evaluate("window.neverReloaded") is True
