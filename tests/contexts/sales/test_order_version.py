"""The order summary's `version`: the order stream's version, the API's ETag for If-Match."""

from __future__ import annotations

import importlib
import uuid
from decimal import Decimal

import pytest
from django.db import connection

from contexts.invoicing import domain as invoicing
from contexts.sales import domain
from contexts.sales.models import OrderSummary
from contexts.sales.orders_baker import OrdersBaker
from eventstore.inbox import submit
from eventstore.rebuild import verify
from eventstore.store import store
from eventstore.subscribers import registry
from tests.contexts.sales.support import (
    AT,
    bake,
    create_product,
    execute,
    invoice_issued,
    place_order,
    record,
)

pytestmark = pytest.mark.django_db


def test_a_placed_order_is_at_version_1() -> None:
    pc = create_product("pc", "3200.00")
    execute()
    order = place_order(uuid.uuid4(), (pc, 1))
    execute()

    bake("sales.orders")

    assert OrderSummary.objects.get(pk=order).version == 1


def test_only_the_orders_own_events_move_its_version() -> None:
    pc = create_product("pc", "3200.00")
    execute()
    order = place_order(uuid.uuid4(), (pc, 1))
    execute()
    [issued] = invoice_issued(order, "3200.00")
    invoice = issued.stream_id
    submit(domain.RecordInvoice(order, invoice, Decimal("3200.00"), AT, AT), actor="receptor")
    execute()
    record(invoice, "invoicing.Invoice",
           invoicing.PaymentReceived(invoice, order, Decimal("3200.00"), "bank-1", AT))  # fmt: skip

    bake("sales.orders")

    summary = OrderSummary.objects.get(pk=order)
    assert summary.version == store.stream_version(order) == 2
    assert summary.updated_at == store.read_stream(invoice)[-1].recorded_at


def test_a_rebuild_gives_the_same_versions() -> None:
    pc = create_product("pc", "3200.00")
    execute()
    order = place_order(uuid.uuid4(), (pc, 1))
    execute()
    submit(domain.CancelOrder(order, "changed my mind", "customer", AT), actor="alice")
    execute()
    bake("sales.orders")

    assert OrderSummary.objects.get(pk=order).version == 2
    diffs = verify(registry.named("sales.orders"))
    assert [(d.table, d.only_live, d.only_rebuilt) for d in diffs if not d.equal] == []


def test_the_migration_backfills_existing_rows_up_to_the_bakers_checkpoint(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(OrdersBaker, "inline_up_to", 0)  # baked only when the test says
    backfill = importlib.import_module("contexts.sales.migrations.0003_order_version").BACKFILL
    pc = create_product("pc", "3200.00")
    execute()
    order = place_order(uuid.uuid4(), (pc, 1))
    execute()
    bake("sales.orders")
    submit(domain.CancelOrder(order, "changed my mind", "customer", AT), actor="alice")
    execute()  # not baked yet: the row still shows version 1
    OrderSummary.objects.filter(pk=order).update(version=0)

    with connection.cursor() as cursor:
        cursor.execute(backfill)

    assert OrderSummary.objects.get(pk=order).version == 1
