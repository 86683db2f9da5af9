"""The reads the API and the admin use, over baked sales tables."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from contexts.catalog import domain as catalog
from contexts.catalog import queries as catalog_queries
from contexts.sales import domain, queries
from eventstore.inbox import submit
from eventstore.store import store
from tests.contexts.sales.support import AT, bake, create_product, execute, place_order

pytestmark = pytest.mark.django_db

LATER = AT + dt.timedelta(days=2)


@pytest.fixture
def shop() -> dict:
    """Two customers' orders of one vendor's products, baked."""
    vendor, alice, bob = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    pc = create_product("Awesome Desktop PC", "3200.00", vendor)
    mouse = create_product("Wireless Mouse", "39.90", vendor)
    pen = create_product("Fountain Pen", "24.00", vendor)
    submit(catalog.DiscontinueProduct(pen), actor="staff:test")
    execute()
    orders = {
        "alice_pc": place_order(alice, (pc, 1)),
        "alice_mice": place_order(alice, (mouse, 3), placed_at=LATER),
        "bob_mouse": place_order(bob, (mouse, 1), placed_at=AT + dt.timedelta(days=1)),
    }
    execute()
    submit(domain.CancelOrder(orders["bob_mouse"], "oops", "customer", AT), actor="bob")
    execute()
    bake()
    return {"vendor": vendor, "alice": alice, "bob": bob, "pc": pc, "mouse": mouse, "pen": pen,
            **orders}  # fmt: skip


def ids(rows) -> list[uuid.UUID]:
    return [row.pk for row in rows]


def test_products_by_name_filtered_by_vendor_activity_and_search(shop: dict) -> None:
    mine = catalog_queries.products(vendor_id=shop["vendor"])

    assert ids(mine) == [shop["pc"], shop["pen"], shop["mouse"]]
    assert ids(mine.filter(pk__in=ids(catalog_queries.products(active=True)))) == [
        shop["pc"], shop["mouse"]
    ]  # fmt: skip
    assert ids(catalog_queries.products(vendor_id=shop["vendor"], search=" mOUSE")) == [
        shop["mouse"]
    ]
    assert catalog_queries.product(shop["pen"]).active is False
    assert catalog_queries.product(uuid.uuid4()) is None


def test_order_summaries_newest_first_filtered_for_staff(shop: dict) -> None:
    alices = queries.order_summaries(customer_id=shop["alice"])
    assert ids(alices) == [shop["alice_mice"], shop["alice_pc"]]
    assert ids(queries.order_summaries(customer_id=shop["bob"], status="cancelled")) == [
        shop["bob_mouse"]
    ]
    assert ids(alices.filter(pk__in=ids(queries.order_summaries(placed_after=LATER)))) == [
        shop["alice_mice"]
    ]
    assert ids(alices.filter(pk__in=ids(queries.order_summaries(placed_before=LATER)))) == [
        shop["alice_pc"]
    ]


def test_order_search_matches_an_id_prefix_or_a_product_name(shop: dict) -> None:
    order = shop["alice_mice"]
    prefix = str(order)[:10]
    alices = queries.order_summaries(customer_id=shop["alice"])

    assert ids(alices.filter(pk__in=ids(queries.order_summaries(search=prefix)))) == [order]
    assert order in ids(queries.order_summaries(search=order.hex[:6].upper()))
    assert ids(queries.order_summaries(customer_id=shop["alice"], search="desktop")) == [
        shop["alice_pc"]
    ]
    assert ids(queries.order_summaries(customer_id=shop["alice"], search="no-such")) == []


def test_an_order_page_has_its_lines_and_timeline_and_is_only_its_customers(shop: dict) -> None:
    order = shop["bob_mouse"]

    page = queries.order_page(order, customer_id=shop["bob"])

    assert (page.summary.status, page.detail.cancelled_by) == ("cancelled", "customer")
    assert [(line.number, line.name, line.quantity) for line in page.lines] == [
        (1, "Wireless Mouse", 1)
    ]
    assert [e.position for e in page.timeline] == [e.position for e in store.read_stream(order)]
    assert queries.order_page(order, customer_id=shop["alice"]) is None
    assert queries.order_page(uuid.uuid4()) is None


def test_popular_items_of_a_day_most_sold_first(shop: dict) -> None:
    def best_sellers(day: dt.date) -> list[tuple[str, int]]:
        rows = queries.popular_items(day, vendor_id=shop["vendor"])
        return [(row.name, row.quantity) for row in rows]

    assert best_sellers(AT.date()) == [("Awesome Desktop PC", 1)]
    assert best_sellers(AT.date() + dt.timedelta(days=1)) == []  # bob's was cancelled
    assert best_sellers(LATER.date()) == [("Wireless Mouse", 3)]


def test_feed_messages_after_a_position_for_staff_or_one_customer(shop: dict) -> None:
    def positions(*orders: str) -> list[int]:
        return sorted(e.position for order in orders for e in store.read_stream(shop[order]))

    everything = positions("alice_pc", "alice_mice", "bob_mouse")
    start = everything[0] - 1

    assert [m["position"] for m in queries.feed_messages(start, 100)] == everything
    assert [m["position"] for m in queries.feed_messages(start, 2)] == everything[:2]
    assert [
        m["position"] for m in queries.feed_messages(start, 100, customer_id=shop["alice"])
    ] == positions("alice_pc", "alice_mice")
