"""The live order feed: its message shape, who may see a message, and pushing messages.

A message reports one event of an order, from any context, with the order's summary as
it stood right after that event:

    {"type": "order.event", "position": 42, "orderId": "...", "event": "sales.OrderPlaced",
     "occurredAt": "2025-01-01T10:00:00.123456Z",
     "order": {"orderId", "customerId", "status", "total": "3200.00", "currency": "EUR",
               "itemCount", "placedAt", "updatedAt"}}

`order` is the order summary as the API lists it (`OrderSummarySerializer`, rendered by
`order_serializers.summary_data`): money as strings with two places, times ISO 8601 in
UTC with a Z. Staff see every message; a customer sees the messages of their own orders.
Staff's copies also name each order's customer (`order.customerName`, the username, null
for an id no user has: `for_staff`), looked up as they are sent, since a username is no
fact of the order's events; a customer's never do, so no customer ever receives
another's name.

After commit, a batch's rows go out as one channel-layer message to the staff group (all
of them) and one to each customer's group (theirs), each entry linked to the previous
row of that group's feed (`eventstore.feed_batches`), so a socket that the layer dropped
a message for notices it at the next one. The socket adds `"previous"` itself when it
sends (`eventstore.live`); the stored message has no such field. Nor has it `currency`:
that is added as a message goes out (`served`), from the setting, so the feed table
equals its rebuild whatever SHOP_CURRENCY is.
"""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from django.db.models import OuterRef, Subquery

from contexts.sales import order_serializers, queries
from contexts.sales.models import OrderFeedEntry, OrderSummary
from eventstore import feed_batches
from eventstore.codec import encode
from eventstore.store import RecordedEvent
from shop.customers import usernames

STAFF_GROUP = "sales.orders.staff"


def customer_group(customer_id: UUID) -> str:
    return f"sales.orders.customer.{customer_id}"


def head() -> int:
    """The last position in the feed table, 0 when empty.

    A page rendered from the presentation tables embeds the head read in the same
    snapshot, and its socket resumes with `?after=<head>`: nothing between the render
    and the connection is lost, and nothing the page already shows comes twice.
    """
    return queries.feed_head()


def order_message(event: RecordedEvent, summary: OrderSummary) -> dict:
    return {
        "type": "order.event",
        "position": event.position,
        "orderId": encode(summary.order_id),
        "event": event.type,
        "occurredAt": encode(event.recorded_at),
        "order": order_serializers.summary_data(summary),
    }


def served(message: dict) -> dict:
    """A stored message as it goes out: its order with the shop's currency beside the
    total, as the API's order summary has it."""
    return {**message, "order": order_serializers.served(message["order"])}


def with_customer_names(orders: list[dict]) -> list[dict]:
    """Order summaries (`order_serializers.summary_data`) for staff, each with its
    customer's username as `customerName` (null for a customer id no user has), read for
    them all at once."""
    names = usernames(UUID(order["customerId"]) for order in orders)
    return [{**order, "customerName": names.get(UUID(order["customerId"]))} for order in orders]


def for_staff(messages: list[dict]) -> list[dict]:
    """Feed messages as staff receive them: each order `with_customer_names`."""
    orders = with_customer_names([message["order"] for message in messages])
    return [{**message, "order": order} for message, order in zip(messages, orders, strict=True)]


def publish(positions: Sequence[int]) -> None:
    """Send the committed feed rows at these positions, as they go out (`served`), to
    staff (`for_staff`) and to their customers, one channel-layer message per group, each
    row linked to its group's previous row."""
    rows = _linked_rows(positions)
    outgoing = [served(message) for _, message, _, _ in rows]
    named = for_staff(outgoing)
    staff = [
        feed_batches.entry(message, previous)
        for message, (_, _, previous, _) in zip(named, rows, strict=True)
    ]
    customers: dict[str, list[dict]] = {}
    for (customer_id, _, _, customers_previous), message in zip(rows, outgoing, strict=True):
        customers.setdefault(customer_group(customer_id), []).append(
            feed_batches.entry(message, customers_previous)
        )
    feed_batches.send_batches({STAFF_GROUP: staff, **customers})


def _linked_rows(positions: Sequence[int]) -> list[tuple[UUID, dict, int | None, int | None]]:
    """The rows in position order, each with the feed's previous position and its
    customer's (both index scans: the primary key, and (customer_id, position))."""
    earlier = OrderFeedEntry.objects.filter(position__lt=OuterRef("position"))
    previous = earlier.order_by("-position").values("position")[:1]
    customers_previous = (
        earlier.filter(customer_id=OuterRef("customer_id"))
        .order_by("-position")
        .values("position")[:1]
    )
    return list(
        OrderFeedEntry.objects.filter(position__in=positions)
        .annotate(previous=Subquery(previous), customers_previous=Subquery(customers_previous))
        .order_by("position")
        .values_list("customer_id", "message", "previous", "customers_previous")
    )
