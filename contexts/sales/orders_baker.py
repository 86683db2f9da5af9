"""The `sales.orders` baker: order summaries, details, lines, timelines and the live feed.

One baker owns all five tables so they always agree: a feed message carries exactly
the summary its batch committed. Besides the order's own events it follows the
invoicing and shipping events that carry an order id (the order's invoice and
shipment), each of which also becomes a timeline entry and a feed message. Events of
orders this baker never saw placed change nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any, TypeVar
from uuid import UUID

from contexts.invoicing import domain as invoicing
from contexts.sales import domain as sales
from contexts.sales import feed
from contexts.sales.models import (
    OrderDetail,
    OrderFeedEntry,
    OrderLine,
    OrderSummary,
    OrderTimelineEntry,
)
from contexts.sales.order_serializers import render_detail
from contexts.sales.queries import OrderPage
from contexts.shared.upsert import insert, upsert
from contexts.shipping import domain as shipping
from eventstore.codec import encode
from eventstore.store import RecordedEvent
from eventstore.subscribers import Baker

RowT = TypeVar("RowT", OrderLine, OrderTimelineEntry)
Change = Callable[[OrderSummary, OrderDetail, Any], None]


def _status(status: sales.OrderStatus) -> Change:
    def change(summary: OrderSummary, detail: OrderDetail, event: Any) -> None:
        summary.status = status.value

    return change


def _cancelled(summary: OrderSummary, detail: OrderDetail, event: sales.OrderCancelled) -> None:
    summary.status = sales.OrderStatus.CANCELLED.value
    detail.cancelled_by, detail.cancel_reason = event.by, event.reason


def _invoice_issued(
    summary: OrderSummary, detail: OrderDetail, event: invoicing.InvoiceIssued
) -> None:
    detail.invoice_id = event.invoice_id
    detail.invoice_status = invoicing.InvoiceStatus.OPEN.value
    detail.invoice_amount, detail.invoice_due_at = event.amount, event.due_at
    detail.invoice_paid_amount = Decimal("0.00")


def _payment_received(
    summary: OrderSummary, detail: OrderDetail, event: invoicing.PaymentReceived
) -> None:
    detail.invoice_paid_amount = (detail.invoice_paid_amount or Decimal("0.00")) + event.amount


def _invoice_paid(summary: OrderSummary, detail: OrderDetail, event: invoicing.InvoicePaid) -> None:
    detail.invoice_status = invoicing.InvoiceStatus.PAID.value
    detail.invoice_paid_amount = event.paid_amount


def _invoice_status(status: invoicing.InvoiceStatus) -> Change:
    def change(summary: OrderSummary, detail: OrderDetail, event: Any) -> None:
        detail.invoice_status = status.value

    return change


def _shipment_created(
    summary: OrderSummary, detail: OrderDetail, event: shipping.ShipmentCreated
) -> None:
    detail.shipment_id = event.shipment_id
    detail.shipment_status = shipping.ShipmentStatus.AWAITING_DISPATCH.value


def _shipment_dispatched(
    summary: OrderSummary, detail: OrderDetail, event: shipping.ShipmentDispatched
) -> None:
    detail.shipment_status = shipping.ShipmentStatus.DISPATCHED.value
    detail.carrier, detail.tracking_number = event.carrier, event.tracking_number


def _shipment_status(status: shipping.ShipmentStatus) -> Change:
    def change(summary: OrderSummary, detail: OrderDetail, event: Any) -> None:
        detail.shipment_status = status.value

    return change


CHANGES: dict[str, Change] = {
    "sales.OrderInvoiced": _status(sales.OrderStatus.INVOICED),
    "sales.OrderPaid": _status(sales.OrderStatus.PAID),
    "sales.OrderShipped": _status(sales.OrderStatus.SHIPPED),
    "sales.OrderDelivered": _status(sales.OrderStatus.DELIVERED),
    "sales.OrderCancelled": _cancelled,
    "invoicing.InvoiceIssued": _invoice_issued,
    "invoicing.PaymentReceived": _payment_received,
    "invoicing.InvoicePaid": _invoice_paid,
    "invoicing.InvoiceOverdue": _invoice_status(invoicing.InvoiceStatus.OVERDUE),
    "invoicing.InvoiceVoided": _invoice_status(invoicing.InvoiceStatus.VOIDED),
    "invoicing.RefundIssued": _invoice_status(invoicing.InvoiceStatus.REFUNDED),
    "shipping.ShipmentCreated": _shipment_created,
    "shipping.ShipmentDispatched": _shipment_dispatched,
    "shipping.ShipmentDelivered": _shipment_status(shipping.ShipmentStatus.DELIVERED),
    "shipping.ShipmentCancelled": _shipment_status(shipping.ShipmentStatus.CANCELLED),
}
"""What each followed event changes, besides `updated_at`; `sales.OrderPlaced` and
`sales.OrderRejected` create."""


class OrderBatch:
    """The rows one batch of events touches: loaded once, changed in memory, saved once."""

    def __init__(self, events: Sequence[RecordedEvent]) -> None:
        order_ids = {event.data.order_id for event in events}
        self.summaries = {s.order_id: s for s in OrderSummary.objects.filter(pk__in=order_ids)}
        self.details = {d.order_id: d for d in OrderDetail.objects.filter(pk__in=order_ids)}
        self.lines: list[OrderLine] = []
        self.timeline: list[OrderTimelineEntry] = []
        self.feed: list[OrderFeedEntry] = []
        self.placed: set[UUID] = set()
        self.touched: set[UUID] = set()

    def apply(self, event: RecordedEvent) -> None:
        data = event.data
        if isinstance(data, sales.OrderPlaced):
            self._place(data)
        elif isinstance(data, sales.OrderRejected):
            self._reject(data)
        summary = self.summaries.get(data.order_id)
        if summary is None:
            return  # an order this baker never saw placed: nothing to show it on
        if change := CHANGES.get(event.type):
            change(summary, self.details[data.order_id], data)
        if event.stream_type == sales.ORDER_STREAM:
            summary.version = event.version
        summary.updated_at = event.recorded_at
        self.touched.add(data.order_id)
        self.timeline.append(_timeline_entry(event))
        self.feed.append(
            OrderFeedEntry(
                position=event.position, order_id=data.order_id,
                customer_id=summary.customer_id, message=feed.order_message(event, summary),
            )
        )  # fmt: skip

    def _place(self, placed: sales.OrderPlaced) -> None:
        self._open(placed, sales.OrderStatus.PLACED, placed.total, placed.placed_at)
        self.summaries[placed.order_id].item_count = sum(line.quantity for line in placed.lines)
        for number, line in enumerate(placed.lines, start=1):
            self.lines.append(
                OrderLine(
                    order_id=placed.order_id, number=number, product_id=line.product_id,
                    vendor_id=line.vendor_id, name=line.name, unit_price=line.unit_price,
                    quantity=line.quantity, line_total=line.line_total,
                )
            )  # fmt: skip

    def _reject(self, rejected: sales.OrderRejected) -> None:
        """A checkout's order that was never placed: shown, with nothing on it, so that
        its customer sees why (the timeline's entry carries the reason)."""
        self._open(rejected, sales.OrderStatus.REJECTED, Decimal("0.00"), rejected.at)

    def _open(
        self,
        born: sales.OrderPlaced | sales.OrderRejected,
        status: sales.OrderStatus,
        total: Decimal,
        placed_at: dt.datetime,
    ) -> None:
        self.placed.add(born.order_id)
        self.summaries[born.order_id] = OrderSummary(
            order_id=born.order_id, customer_id=born.customer_id, status=status.value,
            total=total, item_count=0, placed_at=placed_at,
        )  # fmt: skip
        address = born.shipping_address
        self.details[born.order_id] = OrderDetail(
            order_id=born.order_id, cart_id=born.cart_id,
            ship_to_name=address.name, ship_to_line1=address.line1, ship_to_line2=address.line2,
            ship_to_city=address.city, ship_to_postal_code=address.postal_code,
            ship_to_country=address.country,
        )  # fmt: skip

    def render(self) -> None:
        """Each touched order's page document, as the API serves it. An order placed in
        an earlier batch keeps its stored page's lines and timeline, and only this
        batch's timeline entries are rendered after them; a page never stored (baked
        before pages were) is rendered whole from the saved rows."""
        earlier = {o for o in self.touched - self.placed if self.details[o].document is None}
        saved_lines = OrderLine.objects.filter(order_id__in=earlier).order_by("number")
        lines = _by_order([*saved_lines, *self.lines])
        saved_timeline = OrderTimelineEntry.objects.filter(order_id__in=earlier)
        timeline = _by_order([*saved_timeline.order_by("position"), *self.timeline])
        for order_id in self.touched:
            detail = self.details[order_id]
            before = None if order_id in self.placed or order_id in earlier else detail.document
            page = OrderPage(
                summary=self.summaries[order_id], detail=detail,
                lines=lines.get(order_id, []), timeline=timeline.get(order_id, []),
            )  # fmt: skip
            detail.document = render_detail(page, before)

    def save(self) -> None:
        upsert(OrderSummary, self.summaries.values(), ["order_id"])
        upsert(OrderDetail, self.details.values(), ["order_id"])
        insert(OrderLine, self.lines)
        insert(OrderTimelineEntry, self.timeline)
        insert(OrderFeedEntry, self.feed)


def _by_order(rows: Iterable[RowT]) -> dict[UUID, list[RowT]]:
    grouped: dict[UUID, list[RowT]] = {}
    for row in rows:
        grouped.setdefault(row.order_id, []).append(row)
    return grouped


def _timeline_entry(event: RecordedEvent) -> OrderTimelineEntry:
    return OrderTimelineEntry(
        position=event.position, order_id=event.data.order_id, type=event.type,
        occurred_at=event.recorded_at, actor=event.metadata.actor, data=encode(event.data),
    )  # fmt: skip


class OrdersBaker(Baker):
    name = "sales.orders"
    inline_up_to = 50  # calm traffic: a page and its feed message commit with the command
    event_types = frozenset({"sales.OrderPlaced", "sales.OrderRejected", *CHANGES})
    models = (OrderSummary, OrderDetail, OrderLine, OrderTimelineEntry, OrderFeedEntry)

    def handle(self, events: Sequence[RecordedEvent]) -> None:
        batch = OrderBatch(events)
        for event in events:
            batch.apply(event)
        batch.render()
        batch.save()

    def after_commit(self, events: Sequence[RecordedEvent]) -> None:
        feed.publish([event.position for event in events])
