"""Shipping's baker: shipment events into the shipments and their items.

A batch is applied in memory to the rows it touches (read in one query), then written
back with one insert per table and one update, so a long replay costs a few queries per
batch rather than a few per event.
"""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from contexts.shipping import domain
from contexts.shipping.models import Shipment, ShipmentItem, ShipmentStatus
from eventstore.store import RecordedEvent
from eventstore.subscribers import Baker, registry

CHANGING_FIELDS = (
    "status", "carrier", "tracking_number", "cancellation_reason",
    "dispatched_at", "delivered_at", "cancelled_at", "version", "updated_at",
)  # fmt: skip


class ShipmentsBaker(Baker):
    name = "shipping.shipments"
    event_types = frozenset(
        {
            "shipping.ShipmentCreated",
            "shipping.ShipmentDispatched",
            "shipping.ShipmentDelivered",
            "shipping.ShipmentCancelled",
        }
    )
    models = (Shipment, ShipmentItem)

    def handle(self, events: Sequence[RecordedEvent]) -> None:
        rows = _existing_rows({event.stream_id for event in events})
        created: dict[UUID, Shipment] = {}
        changed: dict[UUID, Shipment] = {}
        items: list[ShipmentItem] = []
        for event in events:
            if isinstance(event.data, domain.ShipmentCreated):
                row = created[event.stream_id] = rows[event.stream_id] = _new_shipment(event.data)
                items += _items_of(event.data)
            else:
                row = rows[event.stream_id]  # a KeyError here is an event before its creation
                _apply_change(row, event.data)
                if event.stream_id not in created:
                    changed[event.stream_id] = row
            row.version = event.version
            row.updated_at = event.recorded_at
        Shipment.objects.bulk_create(created.values())
        ShipmentItem.objects.bulk_create(items)
        if changed:
            Shipment.objects.bulk_update(changed.values(), CHANGING_FIELDS)


def _existing_rows(shipment_ids: set[UUID]) -> dict[UUID, Shipment]:
    return {row.shipment_id: row for row in Shipment.objects.filter(shipment_id__in=shipment_ids)}


def _new_shipment(event: domain.ShipmentCreated) -> Shipment:
    address = event.address
    return Shipment(
        shipment_id=event.shipment_id,
        order_id=event.order_id,
        status=ShipmentStatus.AWAITING_DISPATCH,
        name=address.name,
        line1=address.line1,
        line2=address.line2,
        city=address.city,
        postal_code=address.postal_code,
        country=address.country,
        created_at=event.at,
    )


def _items_of(event: domain.ShipmentCreated) -> list[ShipmentItem]:
    return [
        ShipmentItem(
            shipment_id=event.shipment_id,
            line=line,
            product_id=item.product_id,
            name=item.name,
            quantity=item.quantity,
        )
        for line, item in enumerate(event.items, start=1)
    ]


def _apply_change(row: Shipment, event: object) -> None:
    match event:
        case domain.ShipmentDispatched(carrier=carrier, tracking_number=number, at=at):
            row.status = ShipmentStatus.DISPATCHED
            row.carrier, row.tracking_number, row.dispatched_at = carrier, number, at
        case domain.ShipmentDelivered(at=at):
            row.status, row.delivered_at = ShipmentStatus.DELIVERED, at
        case domain.ShipmentCancelled(reason=reason, at=at):
            row.status = ShipmentStatus.CANCELLED
            row.cancellation_reason, row.cancelled_at = reason, at


registry.register(ShipmentsBaker())
