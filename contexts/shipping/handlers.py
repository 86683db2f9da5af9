"""Registers shipping's events and commands with the event store.

Every shipment command addresses the stream of its shipment and is decided by the pure
domain alone: the receptor hands `CreateShipment` the order's address and items, so no
command needs a `prepare`.
"""

from __future__ import annotations

from uuid import UUID

from contexts.shipping import domain
from eventstore.commands import Handler, commands
from eventstore.registry import registry

STREAM_TYPE = "shipping.Shipment"

EVENTS: dict[str, type] = {
    "shipping.ShipmentCreated": domain.ShipmentCreated,
    "shipping.ShipmentDispatched": domain.ShipmentDispatched,
    "shipping.ShipmentDelivered": domain.ShipmentDelivered,
    "shipping.ShipmentCancelled": domain.ShipmentCancelled,
}

COMMANDS: tuple[type, ...] = (
    domain.CreateShipment,
    domain.DispatchShipment,
    domain.ConfirmDelivery,
    domain.CancelShipment,
)

STAFF_PERMISSIONS = {
    domain.DispatchShipment: "shipping.dispatch_shipment",
    domain.ConfirmDelivery: "shipping.confirm_delivery",
}
"""What staff need to submit each command, in the API and the back office alike."""


ShipmentCommand = (
    domain.CreateShipment | domain.DispatchShipment | domain.ConfirmDelivery | domain.CancelShipment
)


def shipment_of(command: ShipmentCommand) -> UUID:
    """Every shipping command names its shipment, whose stream it is decided on."""
    return command.shipment_id


for name, cls in EVENTS.items():
    registry.register(name, cls)

for command in COMMANDS:
    commands.register(
        Handler(
            service="shipping",
            operation=command.__name__,
            command=command,
            stream_type=STREAM_TYPE,
            stream_of=shipment_of,
            initial_state=domain.Shipment,
            evolve=domain.evolve,
            decide=domain.decide,
            rejection=domain.ShippingError,
            permission=STAFF_PERMISSIONS.get(command),
        )
    )
