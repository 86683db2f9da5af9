"""Registers the sales events and commands (products and orders) with the event store."""

from __future__ import annotations

from dataclasses import replace
from uuid import UUID

from contexts.sales import domain
from contexts.sales.catalog import catalog_entries
from contexts.shared.values import derived_id
from contexts.shipping.domain import ShipmentDispatched
from eventstore.commands import Handler, commands
from eventstore.registry import registry
from eventstore.store import store

EVENTS = {
    "sales.ProductCreated": domain.ProductCreated,
    "sales.ProductPriceChanged": domain.ProductPriceChanged,
    "sales.ProductDiscontinued": domain.ProductDiscontinued,
    "sales.OrderPlaced": domain.OrderPlaced,
    "sales.OrderRejected": domain.OrderRejected,
    "sales.OrderInvoiced": domain.OrderInvoiced,
    "sales.OrderPaid": domain.OrderPaid,
    "sales.OrderShipped": domain.OrderShipped,
    "sales.OrderDelivered": domain.OrderDelivered,
    "sales.OrderCancelled": domain.OrderCancelled,
}

PRODUCT_COMMANDS = (domain.CreateProduct, domain.ChangeProductPrice, domain.DiscontinueProduct)
ORDER_COMMANDS = (
    domain.PlaceOrder,
    domain.RecordInvoice,
    domain.RecordPayment,
    domain.RecordShipment,
    domain.RecordDelivery,
    domain.CancelOrder,
)


def price_order(command: domain.PlaceOrder) -> domain.PlaceOrder:
    """The catalog's word on every requested product; whatever a client sent is replaced."""
    entries = catalog_entries(line.product_id for line in command.lines)
    return replace(command, catalog=entries)


def shipment_of(command: domain.CancelOrder) -> UUID:
    """The stream a cancel reserves: its order's shipment, so a dispatch of that shipment
    never runs on another worker while the cancel is decided (see `Handler.reserves`)."""
    return derived_id("shipment", command.order_id)


def check_dispatch(command: domain.CancelOrder) -> domain.CancelOrder:
    """Whether the order's shipment has left, from the shipment's own events.

    The cancel holds the shipment's stream (`shipment_of`), so no dispatch is being
    decided meanwhile: what this reads stays true until the cancel commits.
    """
    shipment = store.read_stream(shipment_of(command))
    dispatched = any(isinstance(event.data, ShipmentDispatched) for event in shipment)
    return replace(command, shipment_dispatched=dispatched)


PREPARE = {domain.PlaceOrder: price_order, domain.CancelOrder: check_dispatch}
CATALOG = "sales.manage_catalog"
STAFF_PERMISSIONS = {
    domain.CreateProduct: CATALOG,
    domain.ChangeProductPrice: CATALOG,
    domain.DiscontinueProduct: CATALOG,
    domain.CancelOrder: "sales.cancel_order",
}
"""What staff need to submit each command, in the API and the back office alike."""


def product_handler(command: type) -> Handler:
    return Handler(
        service="sales",
        operation=command.__name__,
        command=command,
        stream_type=domain.PRODUCT_STREAM,
        stream_of=lambda c: c.product_id,
        initial_state=domain.Product,
        evolve=domain.evolve_product,
        decide=domain.decide_product,
        rejection=domain.SalesError,
        permission=STAFF_PERMISSIONS.get(command),
    )


def order_handler(command: type) -> Handler:
    return Handler(
        service="sales",
        operation=command.__name__,
        command=command,
        stream_type=domain.ORDER_STREAM,
        stream_of=lambda c: c.order_id,
        initial_state=domain.Order,
        evolve=domain.evolve_order,
        decide=domain.decide_order,
        rejection=domain.SalesError,
        prepare=PREPARE.get(command),
        permission=STAFF_PERMISSIONS.get(command),
        reserves=shipment_of if command is domain.CancelOrder else None,
    )


for name, cls in EVENTS.items():
    registry.register(name, cls)
for command in PRODUCT_COMMANDS:
    commands.register(product_handler(command))
for command in ORDER_COMMANDS:
    commands.register(order_handler(command))
