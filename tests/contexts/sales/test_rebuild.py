"""Every sales baker replays from position 0 into tables equal to the live ones, whatever
the batch boundaries of the live run were."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from contexts.catalog import domain as catalog
from contexts.invoicing import domain as invoicing
from contexts.sales import domain
from eventstore.inbox import submit
from eventstore.rebuild import verify
from eventstore.subscribers import registry
from tests.contexts.sales.support import (
    AT,
    HOME,
    SALES_BAKERS,
    bake,
    create_product,
    execute,
    invoice_issued,
    place_order,
    record,
)

pytestmark = pytest.mark.django_db


def some_activity() -> None:
    vendor, alice, bob = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    pc, mouse = create_product("pc", "3200.00", vendor), create_product("mouse", "39.90", vendor)
    execute()
    submit(catalog.ChangeProductPrice(mouse, Decimal("35.00")), actor="staff:test")
    paid = place_order(alice, (pc, 1), (mouse, 2))
    cancelled = place_order(bob, (mouse, 7))
    place_order(bob, (pc, 2))
    execute()
    [issued] = invoice_issued(paid, "3270.00")
    submit(domain.RecordInvoice(paid, issued.stream_id, Decimal("3270.00"), AT, AT), actor="r")
    record(issued.stream_id, "invoicing.Invoice",
           invoicing.PaymentReceived(issued.stream_id, paid, Decimal("3270.00"), "bank", AT),
           invoicing.InvoicePaid(issued.stream_id, paid, Decimal("3270.00"), Decimal("3270.00"),
                                 Decimal("0.00"), AT))  # fmt: skip
    submit(domain.RecordPayment(paid, issued.stream_id, AT), actor="r")
    submit(domain.CancelOrder(cancelled, "too slow", "staff", AT), actor="staff:test")
    submit(catalog.DiscontinueProduct(pc), actor="staff:test")
    execute()
    line = domain.RequestedLine(pc, 1)  # a checkout's order, rejected: pc is discontinued
    submit(domain.PlaceOrder(uuid.uuid4(), alice, (line,), HOME, AT, uuid.uuid4()), actor="r")
    execute()


@pytest.mark.parametrize("name", SALES_BAKERS)
def test_a_replay_equals_the_live_tables_baked_one_event_at_a_time(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    baker = registry.named(name)
    some_activity()
    monkeypatch.setattr(baker, "batch_size", 1)
    bake(name)
    monkeypatch.undo()

    diffs = verify(baker)

    assert [d.table for d in diffs] == [model._meta.db_table for model in baker.models]
    assert [(d.table, d.only_live, d.only_rebuilt, d.samples) for d in diffs if not d.equal] == []
