"""Shipments, pure: given the past events, when a command, then new events or a rejection."""

from __future__ import annotations

import datetime as dt
import uuid
from functools import reduce

import pytest

from contexts.shared.values import Address
from contexts.shipping.domain import (
    CancelShipment,
    ConfirmDelivery,
    CreateShipment,
    DispatchShipment,
    Shipment,
    ShipmentCancelled,
    ShipmentCreated,
    ShipmentDelivered,
    ShipmentDispatched,
    ShipmentItem,
    ShippingError,
    decide,
    evolve,
)

SHIPMENT = uuid.UUID("00000000-0000-4000-8000-000000000001")
ORDER = uuid.UUID("00000000-0000-4000-8000-000000000002")
LAMP = uuid.UUID("00000000-0000-4000-8000-000000000003")
ADDRESS = Address("Ada Lovelace", "12 St James's Square", "London", "SW1Y 4JH", "GB")
ITEMS = (ShipmentItem(LAMP, "Desk lamp", 2),)
PAID_AT = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
LATER = dt.datetime(2026, 3, 3, 14, 30, tzinfo=dt.UTC)
LATEST = dt.datetime(2026, 3, 5, 11, 15, tzinfo=dt.UTC)

CREATED = ShipmentCreated(SHIPMENT, ORDER, ADDRESS, ITEMS, PAID_AT)
DISPATCHED = ShipmentDispatched(SHIPMENT, ORDER, "DHL", "JD0001", LATER)
DELIVERED = ShipmentDelivered(SHIPMENT, ORDER, LATEST)
CANCELLED = ShipmentCancelled(SHIPMENT, ORDER, "customer changed their mind", LATER)


def given(*events: object) -> Shipment:
    return reduce(evolve, events, Shipment())


def rejection(state: Shipment, command: object) -> str:
    with pytest.raises(ShippingError) as raised:
        decide(state, command)
    return str(raised.value)


# --- CreateShipment ----------------------------------------------------------------------


def test_create_records_the_address_and_items() -> None:
    events = decide(given(), CreateShipment(SHIPMENT, ORDER, ADDRESS, ITEMS, PAID_AT))

    assert events == [CREATED]


def test_create_twice_is_rejected() -> None:
    command = CreateShipment(SHIPMENT, ORDER, ADDRESS, ITEMS, PAID_AT)

    assert rejection(given(CREATED), command) == "the shipment already exists"


def test_create_without_items_is_rejected() -> None:
    command = CreateShipment(SHIPMENT, ORDER, ADDRESS, (), PAID_AT)

    assert rejection(given(), command) == "a shipment needs items"


# --- DispatchShipment --------------------------------------------------------------------


def test_dispatch_records_carrier_and_tracking_number_trimmed() -> None:
    events = decide(given(CREATED), DispatchShipment(SHIPMENT, " DHL ", " JD0001\n", LATER))

    assert events == [DISPATCHED]


def test_dispatch_of_an_unknown_shipment_is_rejected() -> None:
    command = DispatchShipment(SHIPMENT, "DHL", "JD0001", LATER)

    assert rejection(given(), command) == "no such shipment"


def test_dispatch_twice_is_rejected() -> None:
    command = DispatchShipment(SHIPMENT, "UPS", "1Z999", LATEST)

    assert rejection(given(CREATED, DISPATCHED), command) == (
        "a dispatched shipment cannot be dispatched"
    )


def test_dispatch_of_a_cancelled_shipment_is_rejected() -> None:
    command = DispatchShipment(SHIPMENT, "DHL", "JD0001", LATEST)

    assert rejection(given(CREATED, CANCELLED), command) == (
        "a cancelled shipment cannot be dispatched"
    )


def test_dispatch_of_a_delivered_shipment_is_rejected() -> None:
    command = DispatchShipment(SHIPMENT, "DHL", "JD0002", LATEST)

    assert rejection(given(CREATED, DISPATCHED, DELIVERED), command) == (
        "a delivered shipment cannot be dispatched"
    )


def test_dispatch_of_a_cancelled_orders_shipment_is_rejected() -> None:
    """The handler reads the order's events: the shipment itself hears of it only later."""
    command = DispatchShipment(SHIPMENT, "DHL", "JD0001", LATER, order_cancelled=True)

    assert rejection(given(CREATED), command) == "the order is cancelled"


@pytest.mark.parametrize(("carrier", "number"), [("", "JD0001"), ("DHL", ""), ("  ", "\t")])
def test_dispatch_needs_a_carrier_and_a_tracking_number(carrier: str, number: str) -> None:
    command = DispatchShipment(SHIPMENT, carrier, number, LATER)

    assert rejection(given(CREATED), command) == "dispatch needs a carrier and a tracking number"


# --- ConfirmDelivery ---------------------------------------------------------------------


def test_delivery_of_a_dispatched_shipment_is_recorded() -> None:
    events = decide(given(CREATED, DISPATCHED), ConfirmDelivery(SHIPMENT, LATEST))

    assert events == [DELIVERED]


def test_delivery_before_dispatch_is_rejected() -> None:
    command = ConfirmDelivery(SHIPMENT, LATEST)

    assert rejection(given(CREATED), command) == "a shipment awaiting dispatch cannot be delivered"


def test_delivery_of_an_unknown_shipment_is_rejected() -> None:
    assert rejection(given(), ConfirmDelivery(SHIPMENT, LATEST)) == "no such shipment"


def test_delivery_twice_is_rejected() -> None:
    command = ConfirmDelivery(SHIPMENT, LATEST)

    assert rejection(given(CREATED, DISPATCHED, DELIVERED), command) == (
        "a delivered shipment cannot be delivered"
    )


def test_delivery_of_a_cancelled_shipment_is_rejected() -> None:
    command = ConfirmDelivery(SHIPMENT, LATEST)

    assert rejection(given(CREATED, CANCELLED), command) == (
        "a cancelled shipment cannot be delivered"
    )


# --- CancelShipment ----------------------------------------------------------------------


def test_cancel_before_dispatch_records_the_reason() -> None:
    command = CancelShipment(SHIPMENT, "customer changed their mind", LATER)

    assert decide(given(CREATED), command) == [CANCELLED]


def test_cancel_after_dispatch_is_rejected() -> None:
    command = CancelShipment(SHIPMENT, "too late", LATEST)

    assert rejection(given(CREATED, DISPATCHED), command) == (
        "a dispatched shipment cannot be cancelled"
    )


def test_cancel_after_delivery_is_rejected() -> None:
    command = CancelShipment(SHIPMENT, "too late", LATEST)

    assert rejection(given(CREATED, DISPATCHED, DELIVERED), command) == (
        "a delivered shipment cannot be cancelled"
    )


def test_cancel_of_an_unknown_shipment_records_nothing() -> None:
    assert decide(given(), CancelShipment(SHIPMENT, "order cancelled", LATER)) == []


def test_cancel_twice_records_nothing_the_second_time() -> None:
    command = CancelShipment(SHIPMENT, "order cancelled again", LATEST)

    assert decide(given(CREATED, CANCELLED), command) == []


# --- the state -----------------------------------------------------------------------------


def test_the_state_follows_the_events() -> None:
    assert given() == Shipment("new", None)
    assert given(CREATED) == Shipment("awaiting_dispatch", ORDER)
    assert given(CREATED, DISPATCHED) == Shipment("dispatched", ORDER)
    assert given(CREATED, DISPATCHED, DELIVERED) == Shipment("delivered", ORDER)
    assert given(CREATED, CANCELLED) == Shipment("cancelled", ORDER)


def test_a_command_shipments_do_not_take_is_rejected() -> None:
    assert rejection(given(CREATED), object()) == "shipments do not take object"
