"""Shipping's presentation tables, written only by the `shipping.shipments` baker.

Every value comes from the events, so a rebuild from position 0 gives the same rows: the
items' key is (shipment, line number), never an autoincrement id.
"""

from __future__ import annotations

from django.db import models

from contexts.shared.values import choice_members
from contexts.shipping import domain as shipping

ShipmentStatus = models.TextChoices("ShipmentStatus", choice_members(shipping.ShipmentStatus))
"""The domain's statuses a created shipment can have, as a model field's choices."""


class Shipment(models.Model):
    """One order's shipment as it stands after its latest event.

    Business times (`created_at`, `dispatched_at`, ...) are the events' `at`;
    `updated_at` is when the latest event was recorded, and `version` its stream version.
    """

    shipment_id = models.UUIDField(primary_key=True)
    order_id = models.UUIDField(unique=True)
    status = models.CharField(max_length=20, choices=ShipmentStatus.choices)
    name = models.CharField()
    line1 = models.CharField()
    line2 = models.CharField(blank=True)
    city = models.CharField()
    postal_code = models.CharField()
    country = models.CharField()
    carrier = models.CharField(blank=True)
    tracking_number = models.CharField(blank=True)
    cancellation_reason = models.CharField(blank=True)
    created_at = models.DateTimeField()
    dispatched_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    version = models.IntegerField()
    updated_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["status", "created_at"], name="shipping_status_created")]
        permissions = [
            ("dispatch_shipment", "Can dispatch shipments"),
            ("confirm_delivery", "Can confirm deliveries"),
        ]

    def __str__(self) -> str:
        return f"shipment {self.shipment_id} ({self.status})"


class ShipmentItem(models.Model):
    """One line of a shipment, numbered from 1 in the order the order listed them."""

    pk = models.CompositePrimaryKey("shipment_id", "line")
    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="items")
    line = models.PositiveSmallIntegerField()
    product_id = models.UUIDField()
    name = models.CharField()
    quantity = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"{self.quantity} x {self.name}"
