"""The sales presentation tables. Each is written only by its baker (see bakers.py) and
read through queries.py. Keys are natural (ids, positions), so a rebuild gives equal rows.
(The products' table is the catalog's: contexts/catalog/models.py.)
"""

from __future__ import annotations

from django.db import models

from contexts.shared.fields import money_field


class OrderSummary(models.Model):
    """One row per order, for lists and staff filters (baker `sales.orders`).

    `version` is the order stream's version: the ETag clients send back in If-Match.
    Invoicing's and shipping's events update the row but live on other streams, so
    they leave it alone.
    """

    order_id = models.UUIDField(primary_key=True)
    customer_id = models.UUIDField()
    status = models.CharField(max_length=20)
    total = money_field()
    item_count = models.IntegerField()
    placed_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    version = models.IntegerField()

    class Meta:
        verbose_name = "order"
        permissions = [("cancel_order", "Can cancel orders")]
        indexes = [
            models.Index(fields=["placed_at"], name="sales_order_placed_idx"),
            models.Index(fields=["status", "placed_at"], name="sales_order_status_idx"),
            models.Index(fields=["customer_id", "placed_at"], name="sales_order_customer_idx"),
        ]

    def __str__(self) -> str:
        return f"order {self.order_id} ({self.status})"


class OrderDetail(models.Model):
    """What one order's page shows beside its lines: where it goes, its invoice and its
    shipment as invoicing and shipping report them (baker `sales.orders`).

    Invoice and shipment columns stay empty ("" or NULL) until those contexts report.
    """

    order_id = models.UUIDField(primary_key=True)
    cart_id = models.UUIDField(null=True)
    ship_to_name = models.TextField()
    ship_to_line1 = models.TextField()
    ship_to_line2 = models.TextField(blank=True)
    ship_to_city = models.TextField()
    ship_to_postal_code = models.TextField()
    ship_to_country = models.TextField()
    cancelled_by = models.CharField(max_length=20, blank=True)
    cancel_reason = models.TextField(blank=True)
    invoice_id = models.UUIDField(null=True)
    invoice_status = models.CharField(max_length=20, blank=True)
    invoice_amount = money_field(null=True)
    invoice_paid_amount = money_field(null=True)
    invoice_due_at = models.DateTimeField(null=True)
    shipment_id = models.UUIDField(null=True)
    shipment_status = models.CharField(max_length=20, blank=True)
    carrier = models.TextField(blank=True)
    tracking_number = models.TextField(blank=True)
    document = models.TextField(  # noqa: DJ001 - NULL: not rendered yet, "" is no page
        null=True,
        help_text="The order's page as GET /api/order/{id} answers it (JSON), rendered by "
        "the baker from these tables as it writes them; NULL on rows baked before it "
        "existed, which the API renders when read.",
    )

    def __str__(self) -> str:
        return f"order {self.order_id} detail"


class OrderLine(models.Model):
    """An order's lines as placed, numbered from 1 (baker `sales.orders`)."""

    pk = models.CompositePrimaryKey("order_id", "number")
    order_id = models.UUIDField()
    number = models.IntegerField()
    product_id = models.UUIDField()
    vendor_id = models.UUIDField()
    name = models.TextField()
    unit_price = money_field()
    quantity = models.IntegerField()
    line_total = money_field()

    def __str__(self) -> str:
        return f"{self.quantity} x {self.name}"


class OrderTimelineEntry(models.Model):
    """Every event of an order, from any context, in the order it happened (baker
    `sales.orders`). `data` is the event as stored; `actor` says who caused it."""

    position = models.BigIntegerField(primary_key=True)
    order_id = models.UUIDField(db_index=True)
    type = models.CharField(max_length=100)
    occurred_at = models.DateTimeField()
    actor = models.CharField(max_length=150)
    data = models.JSONField()

    class Meta:
        verbose_name_plural = "order timeline entries"

    def __str__(self) -> str:
        return f"#{self.position} {self.type}"


class OrderFeedEntry(models.Model):
    """One live-feed message per timeline entry, kept so websocket clients can resume
    after a position (baker `sales.orders`; see feed.py for the message)."""

    position = models.BigIntegerField(primary_key=True)
    order_id = models.UUIDField()
    customer_id = models.UUIDField()
    message = models.JSONField()

    class Meta:
        verbose_name_plural = "order feed entries"
        indexes = [
            models.Index(fields=["customer_id", "position"], name="sales_feed_customer_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.position} order {self.order_id}"


class PopularItem(models.Model):
    """How much of a product sold on a day (UTC), net of cancelled orders (baker
    `sales.popular_items`). `orders` counts the placed orders that had the product."""

    pk = models.CompositePrimaryKey("vendor_id", "product_id", "day")
    vendor_id = models.UUIDField()
    product_id = models.UUIDField()
    day = models.DateField()
    name = models.TextField()
    quantity = models.IntegerField()
    orders = models.IntegerField()

    class Meta:
        indexes = [models.Index(fields=["day", "quantity"], name="sales_popular_day_idx")]

    def __str__(self) -> str:
        return f"{self.day}: {self.quantity} x {self.name}"


class PopularItemOrder(models.Model):
    """The popular-items baker's own memory of what each counted order added, and on
    which day, so a cancellation takes exactly that back out (baker `sales.popular_items`).
    `items` is a list of {vendor_id, product_id, name, quantity}, one per product."""

    order_id = models.UUIDField(primary_key=True)
    day = models.DateField()
    items = models.JSONField()

    def __str__(self) -> str:
        return f"order {self.order_id} counted on {self.day}"
