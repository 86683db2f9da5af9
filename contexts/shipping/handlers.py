"""Registers shipping's events and commands with the event store.

Every shipment command addresses the stream of its shipment. The receptor hands
`CreateShipment` the order's address and items; a dispatch also reads its order's
stream, so that a cancelled order's shipment never leaves.
"""

from __future__ import annotations

from dataclasses import replace
from uuid import UUID

from django.db import transaction

from contexts.sales.domain import OrderCancelled
from contexts.shipping import domain
from eventstore.commands import Aggregate, commands
from eventstore.registry import registry
from eventstore.store import store

STREAM_TYPE = "shipping.Shipment"

EVENTS: dict[str, type] = {
    "shipping.ShipmentCreated": domain.ShipmentCreated,
    "shipping.ShipmentDispatched": domain.ShipmentDispatched,
    "shipping.ShipmentDelivered": domain.ShipmentDelivered,
    "shipping.ShipmentCancelled": domain.ShipmentCancelled,
}

COMMANDS: dict[str, type] = {
    "shipping.CreateShipment": domain.CreateShipment,
    "shipping.DispatchShipment": domain.DispatchShipment,
    "shipping.ConfirmDelivery": domain.ConfirmDelivery,
    "shipping.CancelShipment": domain.CancelShipment,
}

ShipmentCommand = (
    domain.CreateShipment | domain.DispatchShipment | domain.ConfirmDelivery | domain.CancelShipment
)


def shipment_of(command: ShipmentCommand) -> UUID:
    """Every shipping command names its shipment, whose stream it is decided on."""
    return command.shipment_id


def decide_dispatch(state: domain.Shipment, command: domain.DispatchShipment) -> list[object]:
    """Whether the order was cancelled, from the order's own events, then decide.

    This cannot be a `prepare`: the order is known only from the shipment's state. The
    executor has claimed the shipment's stream, which a cancel of the order reserves
    (`contexts.sales.handlers.shipment_of`), so no cancel is decided meanwhile on another
    worker; one decided earlier in this batch is appended before this read. The
    savepoint keeps a failed read from aborting the batch.
    """
    if state.order_id is not None:
        with transaction.atomic():
            order = store.read_stream(state.order_id)
        cancelled = any(isinstance(event.data, OrderCancelled) for event in order)
        command = replace(command, order_cancelled=cancelled)
    return domain.decide(state, command)


SHIPMENT = Aggregate(
    stream_type=STREAM_TYPE,
    stream_of=shipment_of,
    initial_state=domain.Shipment,
    evolve=domain.evolve,
    decide=domain.decide,
    rejection=domain.ShippingError,
)

OPTIONS = {
    domain.DispatchShipment: {
        "decide": decide_dispatch,
        "reads_store": True,
        "permission": "shipping.dispatch_shipment",
    },
    domain.ConfirmDelivery: {"permission": "shipping.confirm_delivery"},
}
"""What sets a command apart from the shipment's others: how it reads its order, and what
staff need to submit it (in the API and the back office alike)."""


for name, cls in EVENTS.items():
    registry.register(name, cls)
commands.register_aggregate(SHIPMENT, COMMANDS, OPTIONS)
