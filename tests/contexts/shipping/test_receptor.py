"""The `shipping.orders` receptor on the real Postgres: a paid order gets a shipment with
the order's address and items; a cancelled order's shipment is cancelled."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from contexts.shared.values import derived_id
from contexts.shipping.domain import CancelShipment, CreateShipment, DispatchShipment, ShipmentItem
from eventstore.codec import encode
from eventstore.inbox import submit
from eventstore.models import Checkpoint, Command
from eventstore.store import RecordedEvent, store
from eventstore.subscribers import registry
from tests.contexts.shipping.orders import (
    ADDRESS,
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

RECEPTOR = "receptor:shipping.orders"
CANCELLED_AT = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)


def submitted_for(shipment_id: uuid.UUID) -> list[tuple[str, dict, str]]:
    commands = Command.objects.filter(stream_id=shipment_id, actor=RECEPTOR).order_by("seq")
    return [(c.operation, c.payload, c.status) for c in commands]


def test_a_paid_order_gets_a_shipment_of_its_address_and_items() -> None:
    order = place_order()
    pay_invoice(order)

    run_shipping()

    shipment = shipment_of(order)
    expected = CreateShipment(
        shipment,
        order,
        ADDRESS,
        (ShipmentItem(LAMP, "Desk lamp", 2), ShipmentItem(MUG, "Mug", 1)),
        PAID_AT,
    )
    assert submitted_for(shipment) == [("CreateShipment", encode(expected), "done")]
    [created] = store.read_stream(shipment)
    assert (created.type, created.stream_type) == ("shipping.ShipmentCreated", "shipping.Shipment")
    assert vars(created.data) == vars(expected)


def test_replaying_the_receptor_submits_nothing_new() -> None:
    before = store.head_position()
    order = place_order()
    pay_invoice(order)
    cancel_order(order, CANCELLED_AT)
    run_shipping()
    commands = Command.objects.filter(actor=RECEPTOR).count()

    Checkpoint.objects.filter(name="shipping.orders").update(position=before)
    run_shipping()

    assert Command.objects.filter(actor=RECEPTOR).count() == commands
    assert [e.type for e in store.read_stream(shipment_of(order))] == [
        "shipping.ShipmentCreated",
        "shipping.ShipmentCancelled",
    ]


def test_a_cancelled_order_cancels_its_shipment_with_the_reason() -> None:
    order = place_order()
    pay_invoice(order)
    run_shipping()

    cancel_order(order, CANCELLED_AT, reason="found it cheaper")
    run_shipping()

    shipment = shipment_of(order)
    cancel = CancelShipment(shipment, "found it cheaper", CANCELLED_AT)
    assert submitted_for(shipment)[1:] == [("CancelShipment", encode(cancel), "done")]
    assert store.read_stream(shipment)[-1].type == "shipping.ShipmentCancelled"


def test_an_order_cancelled_before_payment_has_no_shipment_to_cancel() -> None:
    order = place_order()
    cancel_order(order, CANCELLED_AT)

    run_shipping()

    shipment = shipment_of(order)
    cancel = CancelShipment(shipment, "changed my mind", CANCELLED_AT)
    assert submitted_for(shipment) == [("CancelShipment", encode(cancel), "done")]
    assert store.read_stream(shipment) == []


def test_a_payment_after_the_order_was_cancelled_ships_nothing() -> None:
    order = place_order()
    cancel_order(order, CANCELLED_AT)
    pay_invoice(order, at=CANCELLED_AT + dt.timedelta(minutes=5))

    run_shipping()

    assert [operation for operation, _, _ in submitted_for(shipment_of(order))] == [
        "CancelShipment"
    ]
    assert store.read_stream(shipment_of(order)) == []


def test_a_cancellation_after_dispatch_is_rejected_and_the_shipment_stays_dispatched() -> None:
    order = place_order()
    pay_invoice(order)
    run_shipping()
    shipment = shipment_of(order)
    submit(DispatchShipment(shipment, "DHL", "JD0001", CANCELLED_AT), actor="staff")
    run_shipping()

    cancel_order(order, CANCELLED_AT + dt.timedelta(hours=1))
    run_shipping()

    cancel = Command.objects.get(stream_id=shipment, operation="CancelShipment")
    assert (cancel.status, cancel.error) == (
        "rejected",
        {"type": "ShippingError", "detail": "a dispatched shipment cannot be cancelled"},
    )
    assert store.read_stream(shipment)[-1].type == "shipping.ShipmentDispatched"


def test_an_invoice_paid_for_no_placed_order_ships_nothing() -> None:
    order = uuid.uuid4()
    pay_invoice(order)

    run_shipping()

    assert submitted_for(shipment_of(order)) == []
    assert Checkpoint.objects.get(name="shipping.orders").status == "ok"
    assert store.read_stream(shipment_of(order)) == []


def test_the_receptor_reads_only_the_order_events_before_the_payment() -> None:
    """A late run or a replay sees what was true at the payment, not what came after."""
    order = place_order()
    pay_invoice(order)
    cancel_order(order, CANCELLED_AT)
    receptor = registry.named("shipping.orders")

    commands = list(receptor.react(invoice_paid(order)))

    assert [type(c) for c in commands] == [CreateShipment]


def invoice_paid(order: uuid.UUID) -> RecordedEvent:
    return store.read_stream(derived_id("invoice", order))[-1]
