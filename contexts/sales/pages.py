"""The live pages: the staff order board, a customer's orders, and one order's page.

Each renders from the presentation tables and embeds the feed position it read them at,
both in one repeatable-read snapshot. The page's script (static/sales/live.js) then
opens /ws/order-events with `?after=<that position>`: the server replays whatever
committed since the render, then pushes live, so the page misses nothing and applies
nothing twice.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib.auth.views import LoginView, redirect_to_login
from django.db import connection, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from contexts.sales import feed, order_serializers, queries
from contexts.sales.models import OrderSummary
from shop.customers import customer_id_for, customer_scope

LOGIN_URL = "/accounts/login/"
REJECTED = "sales.OrderRejected"
BOARD_ROWS = 50
"""Orders a board shows when rendered; the script keeps at most twice as many."""


@contextmanager
def snapshot() -> Iterator[None]:
    """Run the enclosed reads in one transaction that sees a single committed state.

    Under Postgres's default READ COMMITTED each query sees its own moment: a baker
    committing between the feed head and the rows would show an update the socket then
    replays. (Inside an outer transaction, as in a test, its isolation is kept.)
    """
    outer = connection.in_atomic_block
    with transaction.atomic():
        if not outer:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def live_board(request: HttpRequest) -> HttpResponse:
    """`/live`: every order, newest first, for staff who may read every order."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), LOGIN_URL)
    if not queries.can_watch_all_orders(request.user):
        return render(request, "sales/forbidden.html", status=403)
    return _board(request, "All orders", customer_id=None)


def my_orders(request: HttpRequest) -> HttpResponse:
    """`/orders/`: the signed-in customer's own orders, live (staff who may see
    everyone's)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), LOGIN_URL)
    if queries.can_watch_all_orders(request.user):
        return _board(request, "All orders", customer_id=None)
    return _board(request, "Your orders", customer_id=customer_id_for(request.user))


def _board(request: HttpRequest, title: str, customer_id: UUID | None) -> HttpResponse:
    """The board of every order, naming their customers (staff), or of one customer's,
    naming none."""
    with snapshot():
        position = feed.head()
        orders = list(queries.order_summaries(customer_id=customer_id)[:BOARD_ROWS])
    rows = [order_serializers.summary_data(order) for order in orders]
    context = {
        "title": title,
        "orders": feed.with_customer_names(rows) if customer_id is None else rows,
        "customer_column": customer_id is None,
        "position": position,
        "limit": BOARD_ROWS * 2,
        **_feed_settings(),
    }
    return render(request, "sales/board.html", context)


def order_page(request: HttpRequest, order_id: UUID) -> HttpResponse:
    """`/orders/{orderId}`: one order's status and timeline, for its customer or staff who
    may read every order.

    Anyone else gets the same 404 as for an order that does not exist.
    """
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), LOGIN_URL)
    customer_id = customer_scope(request.user, OrderSummary)
    with snapshot():
        position = feed.head()
        page = queries.order_page(order_id, customer_id=customer_id)
    if page is None:
        raise Http404("No such order.")
    context = {
        "order": order_serializers.summary_data(page.summary),
        "refusal": refusal(page),
        "detail": page.detail,
        "lines": page.lines,
        "timeline": page.timeline,
        "position": position,
        **_feed_settings(),
    }
    return render(request, "sales/order.html", context)


def refusal(page: queries.OrderPage) -> str | None:
    """Why a checkout's order was rejected, from its one `sales.OrderRejected` entry; None
    for an order that was placed. A rejected order never changes again, so the page
    rendered says it all."""
    return next((e.data["reason"] for e in page.timeline if e.type == REJECTED), None)


def _feed_settings() -> dict[str, Any]:
    """What the script needs to follow the feed: the heartbeat, and the websocket
    server's port when it is not the page's own (SHOP_WEBSOCKET_PORT, else empty)."""
    return {
        "heartbeat": settings.SHOP_WS_HEARTBEAT_SECONDS,
        "websocket_port": settings.SHOP_WEBSOCKET_PORT,
    }


class ShopLoginView(LoginView):
    """Sign in for the pages: staff land on the board, customers on their orders."""

    template_name = "sales/login.html"

    def get_default_redirect_url(self) -> str:
        return "/live" if queries.can_watch_all_orders(self.request.user) else "/orders/"
