"""Sales commands executed on the real Postgres: the catalog read, the streams, the events."""

from __future__ import annotations

import uuid
from decimal import Decimal
from types import ModuleType

import pytest

from contexts.catalog import domain as catalog
from contexts.catalog.entries import catalog_entries
from contexts.sales import domain
from eventstore.commands import commands
from eventstore.inbox import submit
from eventstore.models import Command
from eventstore.store import store
from tests.contexts.sales.support import AT, HOME, create_product, execute, place_order

pytestmark = pytest.mark.django_db

CUSTOMER = uuid.UUID("00000000-0000-0000-0000-0000000a11ce")


@pytest.mark.parametrize(
    ("operation", "stream_type", "context"),
    [
        *[(name, "sales.Product", catalog) for name in
          ("CreateProduct", "ChangeProductPrice", "DiscontinueProduct")],
        *[(name, "sales.Order", domain) for name in
          ("PlaceOrder", "RecordInvoice", "RecordPayment", "RecordShipment", "RecordDelivery",
           "CancelOrder")],
    ],
)  # fmt: skip
def test_every_sales_command_is_registered_on_its_stream(
    operation: str, stream_type: str, context: ModuleType
) -> None:
    """The catalog's commands keep their stored `sales.` names (see catalog/handlers.py)."""
    handler = commands.named("sales", operation)

    rejection = catalog.CatalogError if context is catalog else domain.SalesError
    assert (handler.command, handler.stream_type, handler.rejection) == (
        getattr(context, operation), stream_type, rejection
    )  # fmt: skip


def test_product_commands_append_to_the_product_stream() -> None:
    vendor = uuid.uuid4()
    product = create_product(" awesome-desktop-pc ", "3200", vendor)
    submit(catalog.ChangeProductPrice(product, Decimal("2999.999")), actor="staff:test")
    submit(catalog.DiscontinueProduct(product), actor="staff:test")

    execute()

    recorded = store.read_stream(product)
    assert [(e.stream_type, e.type) for e in recorded] == [
        ("sales.Product", "sales.ProductCreated"),
        ("sales.Product", "sales.ProductPriceChanged"),
        ("sales.Product", "sales.ProductDiscontinued"),
    ]
    assert [e.data for e in recorded] == [
        catalog.ProductCreated(product, vendor, "awesome-desktop-pc", Decimal("3200.00")),
        catalog.ProductPriceChanged(product, Decimal("3000.00")),
        catalog.ProductDiscontinued(product),
    ]


def test_placing_an_order_prices_it_from_the_products_events_not_the_client() -> None:
    vendor = uuid.uuid4()
    pc, mouse = create_product("pc", "3200.00", vendor), create_product("mouse", "39.90", vendor)
    execute()
    submit(catalog.ChangeProductPrice(mouse, Decimal("35.00")), actor="staff:test")
    execute()
    order = uuid.uuid4()
    lies = (catalog.CatalogEntry(pc, vendor, "pc", Decimal("0.01"), active=True),)
    requested = (domain.RequestedLine(pc, 1), domain.RequestedLine(mouse, 2))
    submit(domain.PlaceOrder(order, CUSTOMER, requested, HOME, AT, None, lies), actor="alice")

    execute()

    [placed] = store.read_stream(order)
    assert (placed.stream_type, placed.type) == ("sales.Order", "sales.OrderPlaced")
    assert placed.data == domain.OrderPlaced(
        order, CUSTOMER,
        (domain.OrderLine(pc, vendor, "pc", Decimal("3200.00"), 1, Decimal("3200.00")),
         domain.OrderLine(mouse, vendor, "mouse", Decimal("35.00"), 2, Decimal("70.00"))),
        Decimal("3270.00"), HOME, AT, None,
    )  # fmt: skip


def test_orders_in_one_batch_see_the_catalog_changes_decided_before_them() -> None:
    pc = create_product("pc", "3200.00")
    execute()
    before = place_order(CUSTOMER, (pc, 1))
    submit(catalog.ChangeProductPrice(pc, Decimal("2999.00")), actor="staff:test")
    after = place_order(CUSTOMER, (pc, 1))
    submit(catalog.DiscontinueProduct(pc), actor="staff:test")
    too_late = place_order(CUSTOMER, (pc, 1))

    execute()  # one batch: the product's stream is read ahead, then again after each change

    totals = {o: store.read_stream(o)[0].data.total for o in (before, after)}
    assert totals == {before: Decimal("3200.00"), after: Decimal("2999.00")}
    assert Command.objects.get(stream_id=too_late).error["detail"] == "pc is discontinued"


def test_a_batch_of_orders_reads_the_catalog_once(monkeypatch: pytest.MonkeyPatch) -> None:
    pc, mouse = create_product("pc", "3200.00"), create_product("mouse", "39.90")
    execute()
    orders = [place_order(CUSTOMER, (pc, 1), (mouse, n)) for n in range(1, 41)]
    reads, read_streams = [], store.read_streams
    monkeypatch.setattr(store, "read_streams", lambda ids: reads.append(ids) or read_streams(ids))

    execute()

    assert [len(store.read_stream(order)) for order in orders] == [1] * 40
    assert reads == [[pc, mouse]]


def test_an_order_of_an_unknown_product_is_rejected_and_records_nothing() -> None:
    pc = create_product("pc", "3200.00")
    execute()
    unknown = uuid.uuid4()
    order = place_order(CUSTOMER, (pc, 1), (unknown, 1))

    execute()

    command = Command.objects.get(stream_id=order)
    assert (command.status, command.error) == (
        "rejected", {"type": "SalesError", "detail": f"no product {unknown} in the catalog"}
    )  # fmt: skip
    assert store.read_stream(order) == []


def test_an_order_of_a_discontinued_product_is_rejected() -> None:
    pc = create_product("retired-pc", "3200.00")
    submit(catalog.DiscontinueProduct(pc), actor="staff:test")
    execute()
    order = place_order(CUSTOMER, (pc, 1))

    execute()

    command = Command.objects.get(stream_id=order)
    assert (command.status, command.error["detail"]) == ("rejected", "retired-pc is discontinued")


def test_catalog_entries_come_in_the_order_asked_without_unknown_ids_or_other_streams() -> None:
    vendor = uuid.uuid4()
    pc, mouse = create_product("pc", "3200.00", vendor), create_product("mouse", "39.90", vendor)
    submit(catalog.DiscontinueProduct(mouse), actor="staff:test")
    execute()
    order = place_order(CUSTOMER, (pc, 1))
    execute()

    entries = catalog_entries([mouse, uuid.uuid4(), order, pc, mouse])

    assert entries == (
        catalog.CatalogEntry(mouse, vendor, "mouse", Decimal("39.90"), active=False),
        catalog.CatalogEntry(pc, vendor, "pc", Decimal("3200.00"), active=True),
    )
