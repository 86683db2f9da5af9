"""Registers the sales events and commands (orders) with the event store."""

from __future__ import annotations

from dataclasses import replace
from uuid import UUID

from contexts.catalog.entries import catalog_from
from contexts.sales import domain
from contexts.sales.domain import order
from contexts.shared.values import derived_id
from contexts.shipping.domain import ShipmentDispatched
from eventstore.commands import Aggregate, commands
from eventstore.registry import registry
from eventstore.store import RecordedEvent

EVENTS = {
    "sales.OrderPlaced": domain.OrderPlaced,
    "sales.OrderRejected": domain.OrderRejected,
    "sales.OrderInvoiced": domain.OrderInvoiced,
    "sales.OrderPaid": domain.OrderPaid,
    "sales.OrderShipped": domain.OrderShipped,
    "sales.OrderDelivered": domain.OrderDelivered,
    "sales.OrderCancelled": domain.OrderCancelled,
}

COMMANDS = {
    "sales.PlaceOrder": domain.PlaceOrder,
    "sales.RecordInvoice": domain.RecordInvoice,
    "sales.RecordPayment": domain.RecordPayment,
    "sales.RecordShipment": domain.RecordShipment,
    "sales.RecordDelivery": domain.RecordDelivery,
    "sales.CancelOrder": domain.CancelOrder,
}


def ordered_products(command: domain.PlaceOrder) -> list[UUID]:
    """The streams pricing an order reads: its products'."""
    return [line.product_id for line in command.lines]


def price_order(command: domain.PlaceOrder, products: list[RecordedEvent]) -> domain.PlaceOrder:
    """The catalog's word on every requested product, from the products' streams (the
    executor reads them for its whole batch); whatever a client sent is replaced."""
    return replace(command, catalog=catalog_from(ordered_products(command), products))


def shipment_of(command: domain.CancelOrder) -> UUID:
    """The stream a cancel reserves: its order's shipment, so a dispatch of that shipment
    never runs on another worker while the cancel is decided (see `Handler.reserves`)."""
    return derived_id("shipment", command.order_id)


def check_dispatch(
    command: domain.CancelOrder, shipment: list[RecordedEvent]
) -> domain.CancelOrder:
    """Whether the order's shipment has left, from the shipment's own events.

    The cancel holds the shipment's stream (`shipment_of`), so no dispatch is being
    decided meanwhile: what this reads stays true until the cancel commits.
    """
    dispatched = any(isinstance(event.data, ShipmentDispatched) for event in shipment)
    return replace(command, shipment_dispatched=dispatched)


ORDER = Aggregate(
    stream_type=order.ORDER_STREAM,
    stream_of=lambda command: command.order_id,
    initial_state=order.Order,
    evolve=order.evolve,
    decide=order.decide,
    rejection=domain.SalesError,
)

OPTIONS = {
    domain.PlaceOrder: {"prepare": price_order, "reads": ordered_products},
    domain.CancelOrder: {
        "prepare": check_dispatch,
        "reads": lambda command: [shipment_of(command)],
        "reserves": shipment_of,
        "permission": "sales.cancel_order",
    },
}
"""What sets a command apart from the order's others: how it is prepared and the streams
that reads, the stream it reserves, and what staff need to submit it (in the API and the
back office alike)."""


for name, cls in EVENTS.items():
    registry.register(name, cls)
commands.register_aggregate(ORDER, COMMANDS, OPTIONS)
