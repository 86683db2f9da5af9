"""Reads over the sales presentation tables, shared by the API, the admin and the feed.

Lists come back as querysets (lazy, so callers paginate them); one order's page comes
back whole. A `customer_id` argument restricts a read to that customer's orders.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.db.models import Count, Max, OuterRef, Q, QuerySet, Subquery, Sum

from contexts.sales.domain import OrderStatus
from contexts.sales.models import (
    OrderDetail,
    OrderFeedEntry,
    OrderLine,
    OrderSummary,
    OrderTimelineEntry,
    PopularItem,
)
from shop import prepared
from shop.rights import may_read_all

HEX_DIGITS = frozenset("0123456789abcdef")


def can_watch_all_orders(user: Any) -> bool:
    """Whether this signed-in user sees every order (staff with `sales.view_ordersummary`,
    as the admin's order pages require) rather than their own: the API's order reads,
    the live pages and the order feed all ask this."""
    return may_read_all(user, OrderSummary)


def order_summaries(
    *,
    status: str | None = None,
    placed_after: dt.datetime | None = None,
    placed_before: dt.datetime | None = None,
    customer_id: UUID | None = None,
    search: str = "",
    search_customers: Collection[UUID] = (),
) -> QuerySet[OrderSummary]:
    """Orders, newest first. `placed_after` is inclusive, `placed_before` exclusive.

    `search` matches the start of an order id or part of the name of a product on it,
    and also every order of `search_customers` (whom the caller found by the same term:
    sales knows customers only by id).
    """
    rows = OrderSummary.objects.all()
    if status:
        rows = rows.filter(status=status)
    if placed_after is not None:
        rows = rows.filter(placed_at__gte=placed_after)
    if placed_before is not None:
        rows = rows.filter(placed_at__lt=placed_before)
    if customer_id is not None:
        rows = rows.filter(customer_id=customer_id)
    if term := search.strip():
        rows = rows.filter(_matching(term, search_customers))
    return rows.order_by("-placed_at", "order_id")


def _matching(term: str, customers: Collection[UUID]) -> Q:
    matches = Q(order_id__in=OrderLine.objects.filter(name__icontains=term).values("order_id"))
    if ids := _id_range(term):
        matches |= Q(order_id__range=ids)
    if customers:
        matches |= Q(customer_id__in=list(customers))
    return matches


def _id_range(prefix: str) -> tuple[UUID, UUID] | None:
    """The ids that start with `prefix` (dashes optional): a range the primary key serves."""
    digits = prefix.replace("-", "").lower()
    if not digits or len(digits) > 32 or any(c not in HEX_DIGITS for c in digits):
        return None
    return UUID(digits.ljust(32, "0")), UUID(digits.ljust(32, "f"))


@dataclass(frozen=True)
class OrderTotals:
    count: int
    revenue: Decimal


def orders_placed(start: dt.datetime, end: dt.datetime) -> OrderTotals:
    """How many orders were placed in [start, end), and their revenue: the totals of
    those not cancelled since. A checkout's order that was rejected was never placed."""
    placed = OrderSummary.objects.exclude(status=OrderStatus.REJECTED.value)
    totals = placed.filter(placed_at__gte=start, placed_at__lt=end).aggregate(
        count=Count("pk"), revenue=Sum("total", filter=~Q(status=OrderStatus.CANCELLED.value))
    )
    return OrderTotals(totals["count"], totals["revenue"] or Decimal("0.00"))


@dataclass(frozen=True)
class OrderPage:
    """Everything one order's page shows."""

    summary: OrderSummary
    detail: OrderDetail
    lines: list[OrderLine]
    timeline: list[OrderTimelineEntry]


def order_summary(order_id: UUID, *, customer_id: UUID | None = None) -> OrderSummary | None:
    """One order's summary; None when there is no such order (or it is another customer's)."""
    summaries = OrderSummary.objects.filter(pk=order_id)
    if customer_id is not None:
        summaries = summaries.filter(customer_id=customer_id)
    return summaries.first()


def order_page(order_id: UUID, *, customer_id: UUID | None = None) -> OrderPage | None:
    """One order whole; None when there is no such order (or it is another customer's)."""
    summary = order_summary(order_id, customer_id=customer_id)
    if summary is None:
        return None
    return OrderPage(
        summary=summary,
        detail=OrderDetail.objects.get(pk=order_id),
        lines=list(OrderLine.objects.filter(order_id=order_id).order_by("number")),
        timeline=list(OrderTimelineEntry.objects.filter(order_id=order_id).order_by("position")),
    )


def popular_items(
    day: dt.date, *, vendor_id: UUID | None = None, limit: int | None = 20
) -> QuerySet[PopularItem]:
    """The day's best sellers (net of cancellations), most sold first; `limit=None`
    leaves the queryset unsliced, for callers that paginate it."""
    rows = PopularItem.objects.filter(day=day)
    if vendor_id is not None:
        rows = rows.filter(vendor_id=vendor_id)
    rows = rows.order_by("-quantity", "-orders", "name", "product_id")
    return rows if limit is None else rows[:limit]


def feed_messages(after: int, limit: int, *, customer_id: UUID | None = None) -> list[dict]:
    """Order feed messages after a position, in order: all, or one customer's."""
    entries = OrderFeedEntry.objects.filter(position__gt=after)
    if customer_id is not None:
        entries = entries.filter(customer_id=customer_id)
    return list(entries.order_by("position").values_list("message", flat=True)[:limit])


def feed_head(*, customer_id: UUID | None = None) -> int:
    """The last order feed position, 0 when there is none: of all, or of one customer's."""
    entries = OrderFeedEntry.objects.all()
    if customer_id is not None:
        entries = entries.filter(customer_id=customer_id)
    return entries.aggregate(head=Max("position"))["head"] or 0


@dataclass(frozen=True)
class OrderDocument:
    """One order's page as the baker rendered it (JSON text), and its version."""

    document: str
    version: int


def _order_documents(order_id: UUID, customer_id: UUID | None = None) -> QuerySet:
    rows = OrderSummary.objects.filter(pk=order_id)
    if customer_id is not None:
        rows = rows.filter(customer_id=customer_id)
    detail = OrderDetail.objects.filter(pk=OuterRef("pk")).values("document")
    return rows.annotate(document=Subquery(detail)).values_list("document", "version")


_ANY_ORDER_DOCUMENT = prepared.Prepared(_order_documents, prepared.identifier("order_id"))
_OWN_ORDER_DOCUMENT = prepared.Prepared(
    _order_documents, prepared.identifier("order_id"), prepared.identifier("customer_id")
)


def order_document(order_id: UUID, *, customer_id: UUID | None = None) -> OrderDocument | None:
    """The stored page of an order; None when there is no such order (or it is another
    customer's) or its row predates stored pages. Frontends read orders most: one
    prepared statement (`shop.prepared`)."""
    if customer_id is None:
        row = _ANY_ORDER_DOCUMENT.first(order_id=order_id)
    else:
        row = _OWN_ORDER_DOCUMENT.first(order_id=order_id, customer_id=customer_id)
    if row is None or row[0] is None:
        return None
    return OrderDocument(*row)
