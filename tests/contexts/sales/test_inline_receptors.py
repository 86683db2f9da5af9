"""Receptors run inline: an order placed and its invoice issued and recorded in one
executor run, each step's commands claimed by the run's next batch (real Postgres,
executor, receptors and bakers in this process, as in a worker)."""

from __future__ import annotations

import uuid

import psycopg
import pytest
from django.db import connection
from django.utils import timezone

from contexts.sales.models import OrderSummary
from eventstore.models import Checkpoint, Command
from eventstore.store import store
from eventstore.subscribers import SUBSCRIBER_LOCK
from tests.contexts.sales.support import bake, create_product, execute, place_order

pytestmark = [pytest.mark.django_db, pytest.mark.inline_receptors]

CUSTOMER = uuid.uuid4()
CHAIN = ["PlaceOrder", "IssueInvoice", "RecordInvoice"]


def commands_of(order: uuid.UUID) -> list[Command]:
    placed = Command.objects.get(stream_id=order, operation="PlaceOrder")
    return list(Command.objects.filter(correlation_id=placed.correlation_id).order_by("seq"))


def test_one_executor_run_takes_an_order_from_placed_to_invoiced() -> None:
    pc = create_product("pc", "3200.00")
    execute()
    order = place_order(CUSTOMER, (pc, 1), placed_at=timezone.now())  # deadline ahead

    execute()  # no receptor or baker run of their own

    done = [c.operation for c in commands_of(order) if c.status == "done"]
    assert done == CHAIN
    assert OrderSummary.objects.get(pk=order).status == "invoiced"
    assert Checkpoint.objects.get(name="sales.orders").position == store.head_position()
    bake("invoicing.orders", "sales.billing")  # their own runs find nothing left to do
    assert [c.operation for c in commands_of(order)] == [*CHAIN, "ExpireInvoice"]


def test_a_receptor_held_elsewhere_leaves_the_order_to_its_own_run() -> None:
    pc = create_product("pc", "3200.00")
    execute()
    order = place_order(CUSTOMER, (pc, 1), placed_at=timezone.now())  # deadline ahead
    other = psycopg.connect(**connection.get_connection_params(), autocommit=True)
    try:
        other.execute(
            "SELECT pg_advisory_lock(%s, hashtext('invoicing.orders'))", [SUBSCRIBER_LOCK]
        )

        execute()

        assert [c.operation for c in commands_of(order)] == ["PlaceOrder"]
        assert OrderSummary.objects.get(pk=order).status == "placed"
    finally:
        other.close()
    bake("invoicing.orders")  # its own run submits the invoice
    execute()
    assert OrderSummary.objects.get(pk=order).status == "invoiced"
