"""The orders baker runs inline: an order's page commits with the command that placed it
(real Postgres, executor and baker in this process)."""

from __future__ import annotations

import uuid

import psycopg
import pytest
from django.db import connection

from contexts.sales.models import OrderFeedEntry, OrderSummary
from contexts.sales.orders_baker import OrderBatch
from eventstore.models import Checkpoint, Command
from eventstore.store import store
from eventstore.subscribers import SUBSCRIBER_LOCK, registry
from tests.contexts.sales.support import bake, create_product, execute, place_order

pytestmark = pytest.mark.django_db

CUSTOMER = uuid.uuid4()


def test_the_command_that_places_an_order_commits_its_page_and_feed_row() -> None:
    pc = create_product("pc", "3200.00")
    execute()
    order = place_order(CUSTOMER, (pc, 1))

    execute()  # no baker run

    assert OrderSummary.objects.get(pk=order).status == "placed"
    [placed] = store.read_stream(order)
    assert OrderFeedEntry.objects.filter(position=placed.position).exists()
    assert Checkpoint.objects.get(name="sales.orders").position >= placed.position


def test_a_baker_held_elsewhere_leaves_the_order_to_its_own_run() -> None:
    pc = create_product("pc", "3200.00")
    execute()
    order = place_order(CUSTOMER, (pc, 1))
    other = psycopg.connect(**connection.get_connection_params(), autocommit=True)
    try:
        other.execute("SELECT pg_advisory_lock(%s, hashtext('sales.orders'))", [SUBSCRIBER_LOCK])

        execute()

        assert Command.objects.get(stream_id=order).status == "done"
        assert not OrderSummary.objects.filter(pk=order).exists()
    finally:
        other.close()
    bake("sales.orders")
    assert OrderSummary.objects.get(pk=order).status == "placed"


def test_a_failing_inline_batch_never_fails_the_command(monkeypatch: pytest.MonkeyPatch) -> None:
    pc = create_product("pc", "3200.00")
    execute()
    order = place_order(CUSTOMER, (pc, 1))

    def broken(self: OrderBatch) -> None:
        raise RuntimeError("the page cannot be saved")

    with monkeypatch.context() as patched:
        patched.setattr(OrderBatch, "save", broken)
        execute()

    assert Command.objects.get(stream_id=order).status == "done"
    assert not OrderSummary.objects.filter(pk=order).exists()
    assert Checkpoint.objects.get(name="sales.orders").status == "ok"  # nothing recorded
    bake("sales.orders")  # its own run, the save working again
    assert OrderSummary.objects.get(pk=order).status == "placed"
    assert registry.named("sales.orders").inline_up_to > 0


def test_a_burst_is_left_to_the_bakers_own_bigger_batches() -> None:
    pc = create_product("pc", "3200.00")
    execute()
    orders = [place_order(CUSTOMER, (pc, 1)) for _ in range(60)]  # one batch, 60 events

    execute()

    assert not OrderSummary.objects.filter(pk__in=orders).exists()
    bake("sales.orders")
    assert OrderSummary.objects.filter(pk__in=orders).count() == 60
