"""Popular items: quantities per vendor, product and UTC day, net of cancelled orders."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from contexts.sales import domain
from contexts.sales.models import PopularItem, PopularItemOrder
from eventstore.inbox import submit
from tests.contexts.sales.support import AT, bake, create_product, execute, place_order

pytestmark = pytest.mark.django_db

DAY = AT.date()
NEXT_DAY = DAY + dt.timedelta(days=1)
# 00:30 in Berlin on the 2nd is 23:30 UTC on the 1st: the day is the UTC one.
LATE_IN_UTC = dt.datetime(2026, 3, 2, 0, 30, tzinfo=dt.timezone(dt.timedelta(hours=1)))


def sold(vendor: uuid.UUID) -> dict:
    rows = PopularItem.objects.filter(vendor_id=vendor)
    return {(row.name, row.day): (row.quantity, row.orders) for row in rows}


def cancel(order: uuid.UUID) -> None:
    submit(domain.CancelOrder(order, "changed my mind", "customer", AT), actor="alice")


def test_quantities_add_up_per_product_and_utc_day() -> None:
    vendor, customer = uuid.uuid4(), uuid.uuid4()
    pc, mouse = create_product("pc", "3200.00", vendor), create_product("mouse", "39.90", vendor)
    execute()
    place_order(customer, (pc, 1), (mouse, 2), (mouse, 1))
    place_order(customer, (mouse, 5), placed_at=LATE_IN_UTC)
    place_order(customer, (mouse, 4), placed_at=AT + dt.timedelta(days=1))
    execute()

    bake("sales.popular_items")

    assert sold(vendor) == {
        ("pc", DAY): (1, 1),
        ("mouse", DAY): (8, 2),
        ("mouse", NEXT_DAY): (4, 1),
    }


def test_a_cancelled_order_is_taken_out_of_the_day_it_was_counted_on() -> None:
    vendor, customer = uuid.uuid4(), uuid.uuid4()
    pc, mouse = create_product("pc", "3200.00", vendor), create_product("mouse", "39.90", vendor)
    execute()
    kept = place_order(customer, (mouse, 2))
    cancelled = place_order(customer, (pc, 1), (mouse, 3))
    execute()
    bake("sales.popular_items")
    cancel(cancelled)
    execute()

    bake("sales.popular_items")

    assert sold(vendor) == {("mouse", DAY): (2, 1)}
    assert list(PopularItemOrder.objects.filter(pk__in=[kept, cancelled]).values_list("pk")) == [
        (kept,)
    ]


def test_an_order_placed_and_cancelled_in_one_batch_counts_for_nothing() -> None:
    vendor, customer = uuid.uuid4(), uuid.uuid4()
    mouse = create_product("mouse", "39.90", vendor)
    execute()
    order = place_order(customer, (mouse, 2))
    execute()
    cancel(order)
    execute()

    bake("sales.popular_items")

    assert sold(vendor) == {}
    assert not PopularItemOrder.objects.filter(pk=order).exists()
