"""The wire shapes of orders: the summary (lists, and the websocket's `order` field) and
the detail page, read from the `sales.orders` baker's tables.

Every field is camelCase, including the keys of a timeline entry's `data` (the event as
stored, whose own field names are snake_case): a client reads one naming convention.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.utils import encoders

from contexts.sales.domain import OrderStatus
from contexts.sales.models import OrderDetail, OrderTimelineEntry
from contexts.sales.queries import OrderPage
from contexts.shared.api import AddressSerializer
from shop.api.serializers import CurrencyField, MoneyField
from shop.money import beside

ORDER_STATUSES = [status.value for status in OrderStatus if status is not OrderStatus.NEW]
INVOICE_STATUSES = ["open", "paid", "overdue", "voided", "refunded"]
SHIPMENT_STATUSES = ["awaiting_dispatch", "dispatched", "delivered", "cancelled"]
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
        return OrderInvoiceSerializer(detail).data if detail.invoice_id else None

    @extend_schema_field(OrderShipmentSerializer(allow_null=True))
    def get_shipment(self, page: _PageView) -> dict | None:
        detail = page.detail
        return OrderShipmentSerializer(detail).data if detail.shipment_id else None


def shipping_address(detail: OrderDetail) -> dict[str, str]:
    """Where an order goes, in its wire shape."""
    return {
        "name": detail.ship_to_name,
        "line1": detail.ship_to_line1,
        "line2": detail.ship_to_line2,
        "city": detail.ship_to_city,
        "postalCode": detail.ship_to_postal_code,
        "country": detail.ship_to_country,
    }


def detail_data(page: OrderPage) -> dict:
    """One order's page in its wire shape."""
    return OrderDetailSerializer(_PageView(page)).data


def render_detail(page: OrderPage, before: str | None = None) -> str:
    """One order's page as the JSON text `OrderDetailSerializer` and DRF's renderer make
    of it, built directly: the `sales.orders` baker renders a page each time an order
    changes and stores it, so a read sends it as it is. About ten times cheaper than the
    serializer, which stays the definition (the schema's, and the fallback's for rows
    baked before pages were stored); tests/contexts/sales/test_order_document.py holds
    the two to the same text, once `served` has added the currency.

    `before`, the order's page as last rendered, gives its lines (they never change once
    the order is placed) and its timeline so far: `page.timeline` then holds only the
    entries after it, and `page.lines` nothing."""
    summary, detail = page.summary, page.detail
    earlier = json.loads(before) if before is not None else {"lines": None, "timeline": []}
    data = {
        "orderId": str(summary.order_id),
        "customerId": str(summary.customer_id),
        "status": summary.status,
        "total": _money(summary.total),
        "itemCount": summary.item_count,
        "placedAt": _time(summary.placed_at),
        "updatedAt": _time(summary.updated_at),
        "lines": earlier["lines"] if earlier["lines"] is not None else [
            {
                "productId": str(line.product_id),
                "vendorId": str(line.vendor_id),
                "name": line.name,
                "unitPrice": _money(line.unit_price),
                "quantity": line.quantity,
                "lineTotal": _money(line.line_total),
            }
            for line in page.lines
        ],
        "shippingAddress": shipping_address(detail),
        "invoice": None if not detail.invoice_id else {
            "invoiceId": str(detail.invoice_id),
            "status": detail.invoice_status,
            "amount": _money(detail.invoice_amount),
            "paidAmount": _money(detail.invoice_paid_amount),
            "dueAt": _time(detail.invoice_due_at),
        },
        "shipment": None if not detail.shipment_id else {
            "shipmentId": str(detail.shipment_id),
            "status": detail.shipment_status,
            "carrier": detail.carrier or None,
            "trackingNumber": detail.tracking_number or None,
        },
        "timeline": earlier["timeline"] + [
            {
                "position": entry.position,
                "type": entry.type,
                "occurredAt": _time(entry.occurred_at),
                "actor": actor_role(entry.actor),
                "data": camel_keys(entry.data),
            }
            for entry in page.timeline
        ],
        "version": summary.version,
    }  # fmt: skip
    rendered = json.dumps(
        data, cls=encoders.JSONEncoder, ensure_ascii=False, allow_nan=False,
        separators=(",", ":"),
    )  # fmt: skip
    # As DRF's JSONRenderer: these two are valid JSON but end a line in JavaScript.
    return rendered.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def served(document: str) -> dict:
    """A stored page as the API serves it: with the shop's currency beside its total, as
    the serializer has it. Stored pages never hold it, so a rebuild equals them whatever
    SHOP_CURRENCY is, and neither a change of it nor an upgrade from pages baked before
    it was shown needs a rebuild."""
    return beside(json.loads(document), "total")


_CENTS = Decimal("0.01")


def _money(value: Decimal | None) -> str | None:
    """As MoneyField renders: two places, fixed-point."""
    return None if value is None else format(value.quantize(_CENTS), "f")


def _time(value: dt.datetime | None) -> str | None:
    """As DRF's DateTimeField renders: in UTC, ISO 8601, with a Z."""
    if value is None:
        return None
    rendered = value.astimezone(dt.UTC).isoformat()
    return rendered[:-6] + "Z" if rendered.endswith("+00:00") else rendered


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
