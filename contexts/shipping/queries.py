"""Reads over the shipping tables, shared by the API, the admin and the consumers.

A customer sees the shipments of their own orders: the caller passes those order ids
(sales knows whose orders they are). Staff filter by status. Every read brings the
items along in one extra query.
"""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from django.db.models import QuerySet

from contexts.shipping.models import Shipment, ShipmentStatus


def shipments(
    *, order_ids: Iterable[UUID] | None = None, status: ShipmentStatus | str | None = None
) -> QuerySet[Shipment]:
    """Shipments newest first, with their items, optionally of some orders or one status."""
    found = Shipment.objects.prefetch_related("items").order_by("-created_at", "shipment_id")
    if order_ids is not None:  # a queryset stays a subquery
        ids = order_ids if isinstance(order_ids, QuerySet) else list(order_ids)
        found = found.filter(order_id__in=ids)
    if status is not None:
        found = found.filter(status=status)
    return found


def shipment(shipment_id: UUID, *, order_ids: Iterable[UUID] | None = None) -> Shipment | None:
    """One shipment with its items; None when it does not exist or is not among `order_ids`."""
    return shipments(order_ids=order_ids).filter(shipment_id=shipment_id).first()


def shipment_of_order(order_id: UUID) -> Shipment | None:
    """The order's shipment, once the order is paid and its shipment baked."""
    return shipments().filter(order_id=order_id).first()
