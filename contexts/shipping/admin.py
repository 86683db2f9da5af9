"""The shipments pages: a list by status, date and destination, and a page per shipment
with its items. Dispatch and delivery are commands, as on the order's page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

from contexts.shipping.domain import ConfirmDelivery, DispatchShipment
from contexts.shipping.models import Shipment
from eventstore.admin.actions import CommandAction, CommandActionsMixin
from eventstore.admin.filters import TermSearch, date_range_filter, id_prefix
from eventstore.admin.readonly import ReadOnlyAdmin, id_column, short_id_html

SHIPMENTS_BAKER = ("shipping.shipments",)


class DispatchForm(forms.Form):
    carrier = forms.CharField(max_length=100)
    tracking_number = forms.CharField(max_length=100)


def dispatch(shipment: Shipment, data: dict[str, Any]) -> DispatchShipment:
    carrier, tracking = data["carrier"], data["tracking_number"]
    return DispatchShipment(shipment.shipment_id, carrier, tracking, timezone.now())


def confirm_delivery(shipment: Shipment, data: dict[str, Any]) -> ConfirmDelivery:
    return ConfirmDelivery(shipment.shipment_id, timezone.now())


@admin.register(Shipment)
class ShipmentAdmin(TermSearch, CommandActionsMixin, ReadOnlyAdmin):
    list_display = (
        id_column("shipment_id"),
        "order",
        "status",
        "name",
        "city",
        "country",
        "carrier",
        "tracking_number",
        "created_at",
        "dispatched_at",
    )
    list_filter = (
        "status",
        date_range_filter("created_at", "created"),
        date_range_filter("dispatched_at", "dispatched"),
        "country",
    )
    search_fields = ("tracking_number",)
    search_help_text = "The start of a shipment or order id, a tracking number, a recipient."
    ordering = ("-created_at", "shipment_id")
    fields = (
        "shipment_id",
        "order",
        "status",
        "name",
        "line1",
        "line2",
        "postal_code",
        "city",
        "country",
        "carrier",
        "tracking_number",
        "cancellation_reason",
        "created_at",
        "dispatched_at",
        "delivered_at",
        "cancelled_at",
        "updated_at",
    )
    readonly_fields = ("order",)
    command_actions = (
        CommandAction(
            "dispatch",
            "Dispatch shipment",
            DispatchShipment,
            "dispatch shipments",
            dispatch,
            DispatchForm,
            baked_by=SHIPMENTS_BAKER,
        ),
        CommandAction(
            "deliver",
            "Confirm delivery",
            ConfirmDelivery,
            "confirm deliveries",
            confirm_delivery,
            baked_by=SHIPMENTS_BAKER,
        ),
    )
    change_form_template = "admin/shipping/shipment_change.html"
    change_list_template = "admin/eventstore/change_list.html"

    def matches(self, term: str) -> Q:
        matches = Q(tracking_number__iexact=term) | Q(name__icontains=term)
        for field in ("shipment_id", "order_id"):
            if by_id := id_prefix(field, term):
                matches |= by_id
        return matches

    @admin.display(description="order", ordering="order_id")
    def order(self, shipment: Shipment) -> SafeString:
        url = reverse("admin:sales_ordersummary_change", args=[shipment.order_id])
        return format_html('<a href="{}">{}</a>', url, short_id_html(shipment.order_id))
