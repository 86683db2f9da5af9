"""The public integration events: what other systems hear, a contract of its own.

Internal events (`sales.OrderPlaced`, ...) may change with the code; these may not.
Each public event is built here from the internal event's published data shape, field
by field, so an internal rename breaks this module's tests rather than a receiver. The
catalogue is versioned (`VERSION`, docs/integration-events.md): within a version fields
are only ever added; a change that would break a receiver ships as a new type name
beside the old one.

Every public event belongs to one order (`ordering_key`): the relay sends one order's
events to an endpoint in the order they happened. An event with amounts carries the
shop's currency beside them (`currency`), as the REST API does; it is read as the event
is fanned out, and the body then stored is what every attempt sends.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from contexts.invoicing import domain as invoicing
from contexts.sales import domain as sales
from contexts.shipping import domain as shipping
from eventstore.codec import encode
from eventstore.store import RecordedEvent
from shop.money import currency

VERSION = 1
DELIVERY_IDS = uuid5(NAMESPACE_URL, "shop:webhook-delivery")


@dataclass(frozen=True)
class PublicEvent:
    type: str
    ordering_key: UUID
    data: dict[str, Any]


def _placed(placed: sales.OrderPlaced) -> list[PublicEvent]:
    order = PublicEvent("order.placed", placed.order_id, {
        "orderId": placed.order_id,
        "customerId": placed.customer_id,
        "total": placed.total,
        "currency": currency(),
        "itemCount": sum(line.quantity for line in placed.lines),
        "placedAt": placed.placed_at,
    })  # fmt: skip
    return [order, *(_purchased(placed, line) for line in placed.lines)]


def _purchased(placed: sales.OrderPlaced, line: sales.OrderLine) -> PublicEvent:
    return PublicEvent("item.purchased", placed.order_id, {
        "orderId": placed.order_id,
        "customerId": placed.customer_id,
        "productId": line.product_id,
        "vendorId": line.vendor_id,
        "name": line.name,
        "quantity": line.quantity,
        "unitPrice": line.unit_price,
        "currency": currency(),
        "purchasedAt": placed.placed_at,
    })  # fmt: skip


def _paid(paid: sales.OrderPaid) -> list[PublicEvent]:
    data = {"orderId": paid.order_id, "invoiceId": paid.invoice_id, "paidAt": paid.at}
    return [PublicEvent("order.paid", paid.order_id, data)]


def _shipped(shipped: sales.OrderShipped) -> list[PublicEvent]:
    return [PublicEvent("order.shipped", shipped.order_id, {
        "orderId": shipped.order_id,
        "shipmentId": shipped.shipment_id,
        "carrier": shipped.carrier,
        "trackingNumber": shipped.tracking_number,
        "shippedAt": shipped.at,
    })]  # fmt: skip


def _delivered(delivered: sales.OrderDelivered) -> list[PublicEvent]:
    return [PublicEvent("order.delivered", delivered.order_id, {
        "orderId": delivered.order_id,
        "shipmentId": delivered.shipment_id,
        "deliveredAt": delivered.at,
    })]  # fmt: skip


def _cancelled(cancelled: sales.OrderCancelled) -> list[PublicEvent]:
    return [PublicEvent("order.cancelled", cancelled.order_id, {
        "orderId": cancelled.order_id,
        "reason": cancelled.reason,
        "cancelledBy": cancelled.by,
        "wasPaid": cancelled.was_paid,
        "cancelledAt": cancelled.at,
    })]  # fmt: skip


def _invoice_issued(issued: invoicing.InvoiceIssued) -> list[PublicEvent]:
    return [PublicEvent("invoice.issued", issued.order_id, {
        "invoiceId": issued.invoice_id,
        "orderId": issued.order_id,
        "customerId": issued.customer_id,
        "amount": issued.amount,
        "currency": currency(),
        "issuedAt": issued.issued_at,
        "dueAt": issued.due_at,
    })]  # fmt: skip


def _invoice_overdue(overdue: invoicing.InvoiceOverdue) -> list[PublicEvent]:
    data = {"invoiceId": overdue.invoice_id, "orderId": overdue.order_id, "overdueAt": overdue.at}
    return [PublicEvent("invoice.overdue", overdue.order_id, data)]


def _dispatched(dispatched: shipping.ShipmentDispatched) -> list[PublicEvent]:
    return [PublicEvent("shipment.dispatched", dispatched.order_id, {
        "shipmentId": dispatched.shipment_id,
        "orderId": dispatched.order_id,
        "carrier": dispatched.carrier,
        "trackingNumber": dispatched.tracking_number,
        "dispatchedAt": dispatched.at,
    })]  # fmt: skip


TRANSLATIONS: dict[str, Callable[[Any], list[PublicEvent]]] = {
    "sales.OrderPlaced": _placed,
    "sales.OrderPaid": _paid,
    "sales.OrderShipped": _shipped,
    "sales.OrderDelivered": _delivered,
    "sales.OrderCancelled": _cancelled,
    "invoicing.InvoiceIssued": _invoice_issued,
    "invoicing.InvoiceOverdue": _invoice_overdue,
    "shipping.ShipmentDispatched": _dispatched,
}
"""Internal event type → its public events, in the order they go out."""

PUBLIC_TYPES = (
    "item.purchased", "order.placed", "order.paid", "order.shipped", "order.delivered",
    "order.cancelled", "invoice.issued", "invoice.overdue", "shipment.dispatched",
)  # fmt: skip


def translate(event: RecordedEvent) -> list[PublicEvent]:
    """The public events an internal event makes; none for one outside the catalogue."""
    translation = TRANSLATIONS.get(event.type)
    return translation(event.data) if translation else []


def body(public: PublicEvent, event: RecordedEvent) -> str:
    """The JSON sent: `{"type", "timestamp", "data"}`, money as strings, times in UTC.
    `timestamp` is when the shop recorded the event, the time `replay` counts from."""
    document = {
        "type": public.type,
        "timestamp": encode(event.recorded_at),
        "data": encode(public.data),
    }
    return json.dumps(document, separators=(",", ":"))


def delivery_id(endpoint_id: UUID, position: int, index: int) -> UUID:
    """The same for one public event and one endpoint, however often it is sent."""
    return uuid5(DELIVERY_IDS, f"{endpoint_id}:{position}:{index}")
