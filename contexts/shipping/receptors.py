"""The ordering process, shipping's part: a paid order gets a shipment, and a cancelled
order's shipment is cancelled.

The shipment's address and items are the order's, read from the order's own
`sales.OrderPlaced` event. Only the order's events recorded before the triggering
event count, so the commands are the same however late the receptor runs or replays.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from contexts.invoicing.domain import InvoicePaid
from contexts.sales.domain import OrderCancelled, OrderLine, OrderPlaced
from contexts.shared.values import derived_id
from contexts.shipping.domain import CancelShipment, CreateShipment, ShipmentItem
from eventstore.store import RecordedEvent, store
from eventstore.subscribers import Receptor, registry

log = logging.getLogger(__name__)


class OrdersReceptor(Receptor):
    name = "shipping.orders"
    event_types = frozenset({"invoicing.InvoicePaid", "sales.OrderCancelled"})

    def react(self, event: RecordedEvent) -> Iterable[object]:
        match event.data:
            case InvoicePaid() as paid:
                yield from _ship(paid, event.position)
            case OrderCancelled(order_id=order_id, reason=reason, at=at):
                # An order cancelled before it was paid has no shipment: a no-op command.
                yield CancelShipment(derived_id("shipment", order_id), reason, at)


def _ship(paid: InvoicePaid, position: int) -> Iterable[CreateShipment]:
    """A shipment for a paid order, unless the order was never placed or already cancelled.

    An invoice without a placed order (not issued for an order) has nothing to ship. A
    payment that lands after its order was cancelled is refunded by invoicing, not shipped.
    """
    history = [e.data for e in store.read_stream(paid.order_id) if e.position < position]
    placed = next((e for e in history if isinstance(e, OrderPlaced)), None)
    if placed is None:
        log.warning(
            "invoice %s is paid but order %s was never placed", paid.invoice_id, paid.order_id
        )
        return
    if any(isinstance(e, OrderCancelled) for e in history):
        log.info(
            "order %s was cancelled before invoice %s was paid", paid.order_id, paid.invoice_id
        )
        return
    yield CreateShipment(
        shipment_id=derived_id("shipment", paid.order_id),
        order_id=paid.order_id,
        address=placed.shipping_address,
        items=tuple(_item(line) for line in placed.lines),
        at=paid.at,
    )


def _item(line: OrderLine) -> ShipmentItem:
    return ShipmentItem(line.product_id, line.name, line.quantity)


registry.register(OrdersReceptor())
