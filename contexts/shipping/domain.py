"""Shipping: shipments of paid orders (stream type `shipping.Shipment`). Standard library only.

An order's shipment id is `derived_id("shipment", order_id)`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from enum import StrEnum
from uuid import UUID

from contexts.shared.values import Address


class ShippingError(Exception):
    """A shipping command refused, with the reason a person can act on."""


@dataclass(frozen=True)
class ShipmentItem:
    product_id: UUID
    name: str
    quantity: int


@dataclass(frozen=True)
class CreateShipment:
    shipment_id: UUID
    order_id: UUID
    address: Address
    items: tuple[ShipmentItem, ...]
    at: dt.datetime


@dataclass(frozen=True)
class DispatchShipment:
    """`order_cancelled` is filled in by the handler from the order's events: a cancelled
    order's shipment hears of the cancel only later, and must not leave meanwhile."""

    shipment_id: UUID
    carrier: str
    tracking_number: str
    at: dt.datetime
    order_cancelled: bool = False


@dataclass(frozen=True)
class ConfirmDelivery:
    shipment_id: UUID
    at: dt.datetime


@dataclass(frozen=True)
class CancelShipment:
    shipment_id: UUID
    reason: str
    at: dt.datetime


@dataclass(frozen=True)
class ShipmentCreated:
    shipment_id: UUID
    order_id: UUID
    address: Address
    items: tuple[ShipmentItem, ...]
    at: dt.datetime


@dataclass(frozen=True)
class ShipmentDispatched:
    shipment_id: UUID
    order_id: UUID
    carrier: str
    tracking_number: str
    at: dt.datetime


@dataclass(frozen=True)
class ShipmentDelivered:
    shipment_id: UUID
    order_id: UUID
    at: dt.datetime


@dataclass(frozen=True)
class ShipmentCancelled:
    shipment_id: UUID
    order_id: UUID
    reason: str
    at: dt.datetime


class ShipmentStatus(StrEnum):
    """A shipment's status; every one but `NEW` (not created yet) is stored and served."""

    NEW = "new"
    AWAITING_DISPATCH = "awaiting_dispatch"
    DISPATCHED = "dispatched"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Shipment:
    status: ShipmentStatus = ShipmentStatus.NEW
    order_id: UUID | None = None


_DESCRIBED = {
    ShipmentStatus.AWAITING_DISPATCH: "a shipment awaiting dispatch",
    ShipmentStatus.DISPATCHED: "a dispatched shipment",
    ShipmentStatus.DELIVERED: "a delivered shipment",
    ShipmentStatus.CANCELLED: "a cancelled shipment",
}
"""How a rejection names a shipment in each status."""

_STATUS_AFTER = {
    ShipmentDispatched: ShipmentStatus.DISPATCHED,
    ShipmentDelivered: ShipmentStatus.DELIVERED,
    ShipmentCancelled: ShipmentStatus.CANCELLED,
}


def evolve(state: Shipment, event: object) -> Shipment:
    if isinstance(event, ShipmentCreated):
        return Shipment(ShipmentStatus.AWAITING_DISPATCH, event.order_id)
    status = _STATUS_AFTER.get(type(event))
    return replace(state, status=status) if status else state


def decide(state: Shipment, command: object) -> list[object]:
    match command:
        case CreateShipment():
            if state.status is not ShipmentStatus.NEW:
                raise ShippingError("the shipment already exists")
            if not command.items:
                raise ShippingError("a shipment needs items")
            return [ShipmentCreated(**vars(command))]
        case CancelShipment(shipment_id=shipment_id, reason=reason, at=at):
            if state.status in (ShipmentStatus.NEW, ShipmentStatus.CANCELLED):
                return []  # nothing to cancel
            if state.status is not ShipmentStatus.AWAITING_DISPATCH:
                raise ShippingError(f"{_DESCRIBED[state.status]} cannot be cancelled")
            return [ShipmentCancelled(shipment_id, state.order_id, reason, at)]
    if state.status is ShipmentStatus.NEW:
        raise ShippingError("no such shipment")
    match command:
        case DispatchShipment(shipment_id=shipment_id, carrier=carrier, tracking_number=number):
            if state.status is not ShipmentStatus.AWAITING_DISPATCH:
                raise ShippingError(f"{_DESCRIBED[state.status]} cannot be dispatched")
            if command.order_cancelled:
                raise ShippingError("the order is cancelled")
            if not carrier.strip() or not number.strip():
                raise ShippingError("dispatch needs a carrier and a tracking number")
            return [
                ShipmentDispatched(
                    shipment_id, state.order_id, carrier.strip(), number.strip(), command.at
                )
            ]
        case ConfirmDelivery(shipment_id=shipment_id, at=at):
            if state.status is not ShipmentStatus.DISPATCHED:
                raise ShippingError(f"{_DESCRIBED[state.status]} cannot be delivered")
            return [ShipmentDelivered(shipment_id, state.order_id, at)]
    raise ShippingError(f"shipments do not take {type(command).__name__}")
