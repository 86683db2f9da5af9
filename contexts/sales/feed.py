"""The live order feed: its message shape, who may see a message, and pushing messages.

A message reports one event of an order, from any context, with the order's summary as
it stood right after that event:

    {"type": "order.event", "position": 42, "orderId": "...", "event": "sales.OrderPlaced",
     "occurredAt": "2025-01-01T10:00:00.123456Z",
     "order": {"orderId", "customerId", "status", "total": "3200.00", "itemCount",
               "placedAt", "updatedAt"}}

Values are encoded as events are (`eventstore.codec.encode`): money as strings with two
places, times ISO 8601 in UTC with a Z. Staff see every message; a customer sees the
messages of their own orders.
"""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db.models import Max

from contexts.sales.models import OrderFeedEntry, OrderSummary
from eventstore.codec import encode
from eventstore.store import RecordedEvent

STAFF_GROUP = "sales.orders.staff"
MESSAGE_TYPE = "feed.message"
"""The channel-layer type `eventstore.live.FeedConsumer.feed_message` receives."""


def customer_group(customer_id: UUID) -> str:
    return f"sales.orders.customer.{customer_id}"


def head() -> int:
    """The last position in the feed table, 0 when empty.

    A page rendered from the presentation tables embeds the head read in the same
    snapshot, and its socket resumes with `?after=<head>`: nothing between the render
    and the connection is lost, and nothing the page already shows comes twice.
    """
    return OrderFeedEntry.objects.aggregate(head=Max("position"))["head"] or 0


def order_message(event: RecordedEvent, summary: OrderSummary) -> dict:
    return {
        "type": "order.event",
        "position": event.position,
        "orderId": encode(summary.order_id),
        "event": event.type,
        "occurredAt": encode(event.recorded_at),
        "order": summary_data(summary),
    }


def summary_data(summary: OrderSummary) -> dict:
    """An order summary in its wire shape: the feed's `order` field, and the live pages'
    rows, which the pages' script then updates from that same field."""
    return {
        "orderId": encode(summary.order_id),
        "customerId": encode(summary.customer_id),
        "status": summary.status,
        "total": encode(summary.total),
        "itemCount": summary.item_count,
        "placedAt": encode(summary.placed_at),
        "updatedAt": encode(summary.updated_at),
    }


def publish(positions: Sequence[int]) -> None:
    """Send the committed feed rows at these positions to staff and to their customers."""
    entries = list(
        OrderFeedEntry.objects.filter(position__in=positions)
        .order_by("position")
        .values_list("customer_id", "message")
    )
    if entries:
        async_to_sync(_send_all)(entries)


async def _send_all(entries: list[tuple[UUID, dict]]) -> None:
    layer = get_channel_layer()
    for customer_id, message in entries:
        for group in (STAFF_GROUP, customer_group(customer_id)):
            await layer.group_send(group, {"type": MESSAGE_TYPE, "message": message})
