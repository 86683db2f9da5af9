"""The `shipping.shipments` baker on the real Postgres: commands through the executor give
exactly these rows, and a replay from position 0 gives the same tables."""

from __future__ import annotations

import datetime as dt
from uuid import UUID

import pytest

from contexts.shipping.domain import CancelShipment, ConfirmDelivery, DispatchShipment
from contexts.shipping.models import Shipment, ShipmentItem
from eventstore.executor import Executor
from eventstore.inbox import submit
from eventstore.models import Command
from eventstore.rebuild import verify
from eventstore.store import store
from eventstore.subscribers import Runner, registry
from tests.contexts.shipping.orders import (
    LAMP,
    MUG,
    PAID_AT,
    cancel_order,
    pay_invoice,
    place_order,
    run_shipping,
    shipment_of,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("upstream_events")]

DISPATCHED_AT = dt.datetime(2026, 3, 3, 14, 30, tzinfo=dt.UTC)
DELIVERED_AT = dt.datetime(2026, 3, 5, 11, 15, tzinfo=dt.UTC)
ROW_FIELDS = (
    "order_id", "status", "name", "line1", "line2", "city", "postal_code", "country",
    "carrier", "tracking_number", "cancellation_reason",
    "created_at", "dispatched_at", "delivered_at", "cancelled_at", "version",
)  # fmt: skip


def paid_order_shipment() -> tuple[UUID, UUID]:
    order = place_order()
    pay_invoice(order)
    run_shipping()
    return order, shipment_of(order)


def row(shipment: UUID) -> dict:
    return Shipment.objects.values(*ROW_FIELDS).get(shipment_id=shipment)


def last_recorded_at(shipment: UUID) -> dt.datetime:
    return store.read_stream(shipment)[-1].recorded_at


def test_a_created_shipment_is_awaiting_dispatch_with_the_orders_address_and_items() -> None:
    order, shipment = paid_order_shipment()

    assert row(shipment) == {
        "order_id": order, "status": "awaiting_dispatch",
        "name": "Ada Lovelace", "line1": "12 St James's Square", "line2": "Flat 2",
        "city": "London", "postal_code": "SW1Y 4JH", "country": "GB",
        "carrier": "", "tracking_number": "", "cancellation_reason": "",
        "created_at": PAID_AT, "dispatched_at": None, "delivered_at": None,
        "cancelled_at": None, "version": 1,
    }  # fmt: skip
    assert Shipment.objects.get(shipment_id=shipment).updated_at == last_recorded_at(shipment)
    items = ShipmentItem.objects.filter(shipment_id=shipment).order_by("line")
    assert list(items.values_list("line", "product_id", "name", "quantity")) == [
        (1, LAMP, "Desk lamp", 2),
        (2, MUG, "Mug", 1),
    ]


def test_dispatch_then_delivery_fill_in_the_carrier_and_the_times() -> None:
    order, shipment = paid_order_shipment()

    submit(DispatchShipment(shipment, "DHL", " JD0001 ", DISPATCHED_AT), actor="staff")
    submit(ConfirmDelivery(shipment, DELIVERED_AT), actor="staff")
    run_shipping()

    assert row(shipment) == {
        "order_id": order, "status": "delivered",
        "name": "Ada Lovelace", "line1": "12 St James's Square", "line2": "Flat 2",
        "city": "London", "postal_code": "SW1Y 4JH", "country": "GB",
        "carrier": "DHL", "tracking_number": "JD0001", "cancellation_reason": "",
        "created_at": PAID_AT, "dispatched_at": DISPATCHED_AT, "delivered_at": DELIVERED_AT,
        "cancelled_at": None, "version": 3,
    }  # fmt: skip
    assert Shipment.objects.get(shipment_id=shipment).updated_at == last_recorded_at(shipment)


def test_a_rejected_dispatch_leaves_the_row_as_it_was() -> None:
    _, shipment = paid_order_shipment()
    before = row(shipment)

    rejected = submit(DispatchShipment(shipment, "DHL", "  ", DISPATCHED_AT), actor="staff")
    run_shipping()

    command = Command.objects.get(id=rejected.command_id)
    assert (command.status, command.error) == (
        "rejected",
        {"type": "ShippingError", "detail": "dispatch needs a carrier and a tracking number"},
    )
    assert row(shipment) == before


def test_a_cancelled_order_leaves_a_cancelled_shipment_with_the_reason() -> None:
    order, shipment = paid_order_shipment()
    cancelled_at = PAID_AT + dt.timedelta(hours=2)

    cancel_order(order, cancelled_at, reason="found it cheaper")
    run_shipping()

    cancelled = row(shipment)
    assert (cancelled["status"], cancelled["cancellation_reason"], cancelled["cancelled_at"]) == (
        "cancelled", "found it cheaper", cancelled_at
    )  # fmt: skip
    assert (cancelled["dispatched_at"], cancelled["version"]) == (None, 2)


def test_created_and_changed_in_one_batch_bakes_the_final_row() -> None:
    order = place_order()
    pay_invoice(order)
    Runner(registry.named("shipping.orders")).catch_up()
    Executor().run()
    shipment = shipment_of(order)
    submit(DispatchShipment(shipment, "UPS", "1Z999", DISPATCHED_AT), actor="staff")
    submit(CancelShipment(shipment, "too late", DELIVERED_AT), actor="staff")  # rejected

    run_shipping()  # the baker meets the creation and the dispatch in one batch

    baked = row(shipment)
    assert (baked["status"], baked["carrier"], baked["version"]) == ("dispatched", "UPS", 2)
    assert ShipmentItem.objects.filter(shipment_id=shipment).count() == 2


def test_verify_finds_the_live_tables_equal_to_a_replay_after_activity() -> None:
    for _ in range(3):
        _, shipment = paid_order_shipment()
        submit(DispatchShipment(shipment, "DHL", "JD0002", DISPATCHED_AT), actor="staff")
        submit(ConfirmDelivery(shipment, DELIVERED_AT), actor="staff")
    order, _ = paid_order_shipment()
    cancel_order(order, DISPATCHED_AT)
    run_shipping()

    diffs = verify(registry.named("shipping.shipments"))

    assert [(d.table, d.equal, d.samples) for d in diffs] == [
        ("shipping_shipment", True, []),
        ("shipping_shipmentitem", True, []),
    ]
