"""The sales bakers: orders (see orders_baker.py) and popular items.

Each loads the rows a batch touches once, changes them in memory in event order, and
writes them back in a few statements. Times come from the events only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from contexts.sales import domain
from contexts.sales.models import PopularItem, PopularItemOrder
from contexts.sales.orders_baker import OrdersBaker
from contexts.shared.upsert import insert, upsert
from eventstore.store import RecordedEvent
from eventstore.subscribers import Baker, registry


@dataclass
class Sold:
    """How a batch changes one product's row for one day."""

    quantity: int = 0
    orders: int = 0
    name: str | None = None  # the name the batch's latest placed order gave it, if any


class PopularItemsBaker(Baker):
    """Quantities sold per vendor, product and day (the order's `placed_at`, in UTC).

    A cancelled order is taken back out of the day it was counted on, using this baker's
    own record of what it counted (`PopularItemOrder`), never the orders baker's tables.
    """

    name = "sales.popular_items"
    event_types = frozenset({"sales.OrderPlaced", "sales.OrderCancelled"})
    models = (PopularItem, PopularItemOrder)

    def handle(self, events: Sequence[RecordedEvent]) -> None:
        cancelled = [e.data.order_id for e in events if isinstance(e.data, domain.OrderCancelled)]
        counted = {row.order_id: row for row in PopularItemOrder.objects.filter(pk__in=cancelled)}
        new: dict[UUID, PopularItemOrder] = {}
        changes: dict[tuple, Sold] = {}
        for event in events:
            if isinstance(event.data, domain.OrderPlaced):
                order = new[event.data.order_id] = counted_order(event.data)
                _tally(changes, order, +1)
            elif order := new.pop(event.data.order_id, None) or counted.get(event.data.order_id):
                _tally(changes, order, -1)
        insert(PopularItemOrder, new.values())
        PopularItemOrder.objects.filter(pk__in=cancelled).delete()
        _apply(changes)


def counted_order(placed: domain.OrderPlaced) -> PopularItemOrder:
    """What the order adds, one item per product (an order may list a product twice)."""
    items: dict[str, dict] = {}
    for line in placed.lines:
        item = items.setdefault(
            str(line.product_id),
            {"vendor_id": str(line.vendor_id), "product_id": str(line.product_id),
             "name": line.name, "quantity": 0},
        )  # fmt: skip
        item["quantity"] += line.quantity
    day = placed.placed_at.astimezone(dt.UTC).date()
    return PopularItemOrder(order_id=placed.order_id, day=day, items=list(items.values()))


def _tally(changes: dict[tuple, Sold], order: PopularItemOrder, sign: int) -> None:
    for item in order.items:
        key = (UUID(item["vendor_id"]), UUID(item["product_id"]), order.day)
        sold = changes.setdefault(key, Sold())
        sold.quantity += sign * item["quantity"]
        sold.orders += sign
        if sign > 0:
            sold.name = item["name"]


def _apply(changes: dict[tuple, Sold]) -> None:
    """Add the batch's changes to the rows; a row back at no orders is removed."""
    if not changes:
        return
    rows = {row.pk: row for row in PopularItem.objects.filter(pk__in=list(changes))}
    kept, emptied = [], []
    for (vendor_id, product_id, day), sold in changes.items():
        row = rows.get((vendor_id, product_id, day)) or PopularItem(
            vendor_id=vendor_id, product_id=product_id, day=day, quantity=0, orders=0
        )
        row.quantity += sold.quantity
        row.orders += sold.orders
        if sold.name is not None:
            row.name = sold.name
        (kept if row.orders > 0 else emptied).append(row)
    upsert(PopularItem, kept, ["vendor_id", "product_id", "day"])
    PopularItem.objects.filter(pk__in=[row.pk for row in emptied]).delete()


registry.register(OrdersBaker())
registry.register(PopularItemsBaker())
