"""The wire shapes of orders, each declared once: the summary (lists, the websocket's
`order` field, the live pages' rows) and the detail page, read from the `sales.orders`
baker's tables.

The serializers are the definition: the OpenAPI schema is generated from them, and
`shop.api.documents` renders them as the plain functions that make the page the baker
stores (`render_detail`) and the feed's summary (`summary_data`). Neither holds
`currency`, which `served` adds as a document goes out, where the serializer has it.

Every field is camelCase, including the keys of a timeline entry's `data` (the event as
stored, whose own field names are snake_case): a client reads one naming convention.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer

from contexts.invoicing.domain import InvoiceStatus
from contexts.sales.domain import OrderStatus
from contexts.sales.models import OrderDetail, OrderSummary, OrderTimelineEntry
from contexts.sales.queries import OrderPage
from contexts.shared.api import AddressSerializer, address_data
from contexts.shared.values import Address, stored
from contexts.shipping.domain import ShipmentStatus
from shop.api.documents import renderer
from shop.api.serializers import CurrencyField, MoneyField
from shop.money import beside

ORDER_STATUSES = [status.value for status in stored(OrderStatus)]
INVOICE_STATUSES = [status.value for status in stored(InvoiceStatus)]
SHIPMENT_STATUSES = [status.value for status in stored(ShipmentStatus)]
ACTOR_ROLES = ["customer", "staff", "system"]


def actor_role(actor: str) -> str:
    """Who caused an event, as the order's customer may read it: a role, never the
    account behind it (`customer:7`, `staff:2`) nor the process (`receptor:…`). Staff
    read the actors themselves in the back office."""
    role = actor.partition(":")[0]
    return role if role in ("customer", "staff") else "system"


class OrderSummarySerializer(serializers.Serializer):
    orderId = serializers.UUIDField(source="order_id")
    customerId = serializers.UUIDField(source="customer_id")
    status = serializers.ChoiceField(choices=ORDER_STATUSES)
    total = MoneyField()
    currency = CurrencyField()
    itemCount = serializers.IntegerField(source="item_count")
    placedAt = serializers.DateTimeField(source="placed_at")
    updatedAt = serializers.DateTimeField(source="updated_at")


class OrderLineSerializer(serializers.Serializer):
    productId = serializers.UUIDField(source="product_id")
    vendorId = serializers.UUIDField(source="vendor_id")
    name = serializers.CharField()
    unitPrice = MoneyField(source="unit_price")
    quantity = serializers.IntegerField()
    lineTotal = MoneyField(source="line_total")


class OrderInvoiceSerializer(serializers.Serializer):
    invoiceId = serializers.UUIDField(source="invoice_id")
    status = serializers.ChoiceField(choices=INVOICE_STATUSES, source="invoice_status")
    amount = MoneyField(source="invoice_amount")
    paidAmount = MoneyField(source="invoice_paid_amount")
    dueAt = serializers.DateTimeField(source="invoice_due_at")


class OrderShipmentSerializer(serializers.Serializer):
    shipmentId = serializers.UUIDField(source="shipment_id")
    status = serializers.ChoiceField(choices=SHIPMENT_STATUSES, source="shipment_status")
    carrier = serializers.SerializerMethodField(help_text="null until dispatched.")
    trackingNumber = serializers.SerializerMethodField(help_text="null until dispatched.")

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_carrier(self, detail: OrderDetail) -> str | None:
        return detail.carrier or None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_trackingNumber(self, detail: OrderDetail) -> str | None:
        return detail.tracking_number or None


class TimelineEntrySerializer(serializers.Serializer):
    position = serializers.IntegerField(help_text="The event's global position.")
    type = serializers.CharField(help_text="The event type, e.g. sales.OrderPlaced.")
    occurredAt = serializers.DateTimeField(source="occurred_at")
    actor = serializers.SerializerMethodField(
        help_text="Who caused it: the customer, staff, or the system (a process)."
    )
    data = serializers.SerializerMethodField(help_text="The event's fields, camelCase.")

    @extend_schema_field(serializers.ChoiceField(choices=ACTOR_ROLES))
    def get_actor(self, entry: OrderTimelineEntry) -> str:
        return actor_role(entry.actor)

    @extend_schema_field(serializers.DictField())
    def get_data(self, entry: OrderTimelineEntry) -> Any:
        return camel_keys(entry.data)


class OrderDetailSerializer(OrderSummarySerializer):
    """The summary plus everything the order's page shows. `invoice` and `shipment` are
    null until invoicing and shipping have reported one."""

    lines = OrderLineSerializer(many=True)
    shippingAddress = serializers.SerializerMethodField()
    invoice = serializers.SerializerMethodField()
    shipment = serializers.SerializerMethodField()
    timeline = TimelineEntrySerializer(many=True, help_text="Every event, in position order.")
    version = serializers.IntegerField(help_text="The order's version, also its ETag.")

    @extend_schema_field(AddressSerializer)
    def get_shippingAddress(self, page: _PageView) -> dict:
        return shipping_address(page.detail)

    @extend_schema_field(OrderInvoiceSerializer(allow_null=True))
    def get_invoice(self, page: _PageView) -> dict | None:
        detail = page.detail
        return renderer(OrderInvoiceSerializer)(detail) if detail.invoice_id else None

    @extend_schema_field(OrderShipmentSerializer(allow_null=True))
    def get_shipment(self, page: _PageView) -> dict | None:
        detail = page.detail
        return renderer(OrderShipmentSerializer)(detail) if detail.shipment_id else None


def shipping_address(detail: OrderDetail) -> dict[str, str]:
    """Where an order goes, in its wire shape."""
    return address_data(
        Address(
            name=detail.ship_to_name, line1=detail.ship_to_line1, line2=detail.ship_to_line2,
            city=detail.ship_to_city, postal_code=detail.ship_to_postal_code,
            country=detail.ship_to_country,
        )
    )  # fmt: skip


def summary_data(summary: OrderSummary) -> dict:
    """An order summary as stored: the feed's `order` field, the live pages' rows."""
    return renderer(OrderSummarySerializer)(summary)


def page_data(page: OrderPage, before: str | None = None) -> dict:
    """One order's page as stored. `before`, the order's page as last rendered, gives its
    lines (they never change once the order is placed) and its timeline so far:
    `page.timeline` then holds only the entries after it, and `page.lines` nothing."""
    data = renderer(OrderDetailSerializer)(_PageView(page))
    if before is not None:
        earlier = json.loads(before)
        data["lines"], data["timeline"] = earlier["lines"], earlier["timeline"] + data["timeline"]
    return data


def render_detail(page: OrderPage, before: str | None = None) -> str:
    """One order's page as the `sales.orders` baker stores it, rendering it each time the
    order changes: a read sends the text as it is, with the currency `served` adds."""
    return JSONRenderer().render(page_data(page, before)).decode()


def served(document: str | dict) -> dict:
    """A stored page or summary as the API serves it: with the shop's currency beside its
    total, where `OrderSummarySerializer` declares it. Stored documents never hold it, so
    a rebuild equals them whatever SHOP_CURRENCY is, and neither a change of it nor an
    upgrade from pages baked before it was shown needs a rebuild."""
    return beside(json.loads(document) if isinstance(document, str) else document, "total")


class _PageView:
    """One order's page as one object: its parts, and the summary's fields."""

    def __init__(self, page: OrderPage) -> None:
        self.summary, self.detail = page.summary, page.detail
        self.lines, self.timeline = page.lines, page.timeline

    def __getattr__(self, name: str) -> Any:
        return getattr(self.summary, name)


def camel_keys(value: Any) -> Any:
    """`{"order_id": …, "shipping_address": {"postal_code": …}}` → orderId, postalCode,
    each object's keys in order."""
    if isinstance(value, dict):  # sorted: the same text whether read back from jsonb or not
        return {key: camel_keys(item) for key, item in sorted(_camel_items(value))}
    if isinstance(value, list):
        return [camel_keys(item) for item in value]
    return value


def _camel_items(value: dict) -> Iterator[tuple[str, Any]]:
    return ((_camel(key), item) for key, item in value.items())


@functools.cache  # keys are the events' field names: a few dozen
def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)
