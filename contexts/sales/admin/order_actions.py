"""What staff do to an order: cancel it, register a payment against its invoice,
dispatch its shipment, confirm its delivery. Each is one command to the context that
owns the decision (sales, invoicing or shipping), built from a small form."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django import forms
from django.utils import timezone

from contexts.invoicing.domain import RegisterPayment
from contexts.sales.domain import CancelOrder
from contexts.sales.models import OrderDetail, OrderSummary
from contexts.shared.values import derived_id
from contexts.shipping.domain import ConfirmDelivery, DispatchShipment
from eventstore.admin.actions import CommandAction
from shop.money import MoneyFormField

ORDERS_BAKER = ("sales.orders",)  # the order page's tables: wait for them to show the change


class CancelForm(forms.Form):
    reason = forms.CharField(max_length=500, widget=forms.Textarea(attrs={"rows": 3}))


class PaymentForm(forms.Form):
    amount = MoneyFormField()
    reference = forms.CharField(max_length=200, help_text="The bank's or provider's reference.")


class DispatchForm(forms.Form):
    carrier = forms.CharField(max_length=100)
    tracking_number = forms.CharField(max_length=100)


def invoice_of(order: OrderSummary) -> UUID:
    """The order's invoice as sales last heard of it, else the id it will have."""
    known = OrderDetail.objects.filter(pk=order.order_id).values_list("invoice_id", flat=True)
    return known.first() or derived_id("invoice", order.order_id)


def shipment_of(order: OrderSummary) -> UUID:
    known = OrderDetail.objects.filter(pk=order.order_id).values_list("shipment_id", flat=True)
    return known.first() or derived_id("shipment", order.order_id)


def cancel(order: OrderSummary, data: dict[str, Any]) -> CancelOrder:
    return CancelOrder(order.order_id, data["reason"], "staff", timezone.now())


def register_payment(order: OrderSummary, data: dict[str, Any]) -> RegisterPayment:
    return RegisterPayment(invoice_of(order), data["amount"], data["reference"], timezone.now())


def dispatch(order: OrderSummary, data: dict[str, Any]) -> DispatchShipment:
    carrier, tracking = data["carrier"], data["tracking_number"]
    return DispatchShipment(shipment_of(order), carrier, tracking, timezone.now())


def confirm_delivery(order: OrderSummary, data: dict[str, Any]) -> ConfirmDelivery:
    return ConfirmDelivery(shipment_of(order), timezone.now())


ACTIONS = (
    CommandAction(
        "cancel",
        "Cancel order",
        CancelOrder,
        "cancel orders",
        cancel,
        CancelForm,
        baked_by=ORDERS_BAKER,
        help_text="Staff may cancel until the order ships; a paid order is refunded.",
    ),
    CommandAction(
        "pay",
        "Register payment",
        RegisterPayment,
        "register payments",
        register_payment,
        PaymentForm,
        baked_by=ORDERS_BAKER,
        help_text="Records a payment against the order's invoice.",
    ),
    CommandAction(
        "dispatch",
        "Dispatch shipment",
        DispatchShipment,
        "dispatch shipments",
        dispatch,
        DispatchForm,
        baked_by=ORDERS_BAKER,
        help_text="Hands the order's shipment to a carrier.",
    ),
    CommandAction(
        "deliver",
        "Confirm delivery",
        ConfirmDelivery,
        "confirm deliveries",
        confirm_delivery,
        baked_by=ORDERS_BAKER,
        help_text="Records that the carrier delivered the order's shipment.",
    ),
)
