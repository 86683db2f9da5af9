"""The invoices pages: a list by status, payment state, issue date and customer, and a
page per invoice with its lines and payments. Payments are registered by command."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

from contexts.invoicing import queries
from contexts.invoicing.domain import RegisterPayment
from contexts.invoicing.models import Invoice
from eventstore.admin.actions import CommandAction, CommandActionsMixin
from eventstore.admin.filters import TermSearch, date_range_filter, id_prefix
from eventstore.admin.readonly import ReadOnlyAdmin, id_column, short_id_html
from shop.admin import customers, money
from shop.money import MoneyFormField


class PaymentForm(forms.Form):
    amount = MoneyFormField()
    reference = forms.CharField(max_length=200, help_text="The bank's or provider's reference.")


def register_payment(invoice: Invoice, data: dict[str, Any]) -> RegisterPayment:
    return RegisterPayment(invoice.invoice_id, data["amount"], data["reference"], timezone.now())


class PaymentFilter(admin.SimpleListFilter):
    """Where an unpaid invoice stands against its deadline, as of now."""

    title = "payment"
    parameter_name = "payment"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("awaiting", "awaiting payment"), ("overdue", "overdue")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        read = {"awaiting": queries.awaiting_payment, "overdue": queries.overdue}.get(self.value())
        return queryset.filter(pk__in=read(timezone.now()).values("pk")) if read else queryset


@admin.register(Invoice)
class InvoiceAdmin(TermSearch, CommandActionsMixin, customers.CustomerColumn, ReadOnlyAdmin):
    list_display = (
        id_column("invoice_id"),
        "order",
        "customer",
        "status",
        "amount_shown",
        "paid_amount_shown",
        "issued_at",
        "due_at",
    )
    list_filter = (
        "status",
        PaymentFilter,
        date_range_filter("issued_at", "issued"),
        date_range_filter("due_at", "due"),
        customers.CustomerFilter,
    )
    search_fields = ("invoice_id",)
    search_help_text = "The start of an invoice or order id, or a customer's username or email."
    fields = (
        "invoice_id",
        "order",
        "customer",
        "status",
        "amount_shown",
        "paid_amount_shown",
        "overpaid_shown",
        "refunded_amount_shown",
        "void_reason",
        "issued_at",
        "due_at",
        "paid_at",
        "updated_at",
    )
    readonly_fields = (
        "order", "customer", "amount_shown", "paid_amount_shown", "overpaid_shown",
        "refunded_amount_shown",
    )  # fmt: skip
    amount_shown = money.column("amount")
    paid_amount_shown = money.column("paid_amount", "paid")
    overpaid_shown = money.column("overpaid")
    refunded_amount_shown = money.column("refunded_amount", "refunded")
    command_actions = (
        CommandAction(
            "pay",
            "Register payment",
            RegisterPayment,
            "register payments",
            register_payment,
            PaymentForm,
            baked_by=("invoicing.invoices",),
        ),
    )
    change_form_template = "admin/invoicing/invoice_change.html"
    change_list_template = "admin/eventstore/change_list.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).prefetch_related("lines", "payments")

    def matches(self, term: str) -> Q:
        matches = Q(customer_id__in=customers.matching(term))
        for field in ("invoice_id", "order_id"):
            if by_id := id_prefix(field, term):
                matches |= by_id
        return matches

    @admin.display(description="order", ordering="order_id")
    def order(self, invoice: Invoice) -> SafeString:
        url = reverse("admin:sales_ordersummary_change", args=[invoice.order_id])
        return format_html('<a href="{}">{}</a>', url, short_id_html(invoice.order_id))
