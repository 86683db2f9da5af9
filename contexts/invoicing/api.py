"""Invoices over HTTP: customers read their own; staff who may (`shop.rights`) read all
(`invoicing.view_invoice`) and register payments (`invoicing.register_payment`); and the
vendor billing report (`invoicing.view_vendormonthlybilling`).

An invoice belongs to its order's customer, which the invoice row itself records (from
`InvoiceIssued`), so no other context's table is needed to decide who may see it. To
any other customer it is a 404; staff without the permission get 403. A payment
addresses the invoice's stream, not its row: a payment for an invoice not (yet) in the
table is accepted, then rejected by the domain ("no such invoice"), as are payments the
invoice cannot take.
"""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from contexts.invoicing import queries
from contexts.invoicing.domain import RegisterPayment
from contexts.invoicing.models import Invoice, InvoiceStatus, VendorMonthlyBilling
from shop.api.auth import MayReadAll, MaySubmit, OwnOrMayReadAll
from shop.api.pagination import CursorPage, paginate
from shop.api.serializers import (
    AcceptedSerializer,
    CurrencyField,
    MoneyField,
    StrictSerializer,
    positive_money,
    validated,
)
from shop.api.views import CommandApi, ReadApi
from shop.customers import customer_scope

INVOICE_BAKERS = ("invoicing.invoices",)
INVOICE_STATUSES = InvoiceStatus.values
MAX_PAYMENT = Decimal("1000000000000.00")
"""One payment's cap, so that an invoice's paid total always fits the money columns."""


class InvoiceLineSerializer(serializers.Serializer):
    productId = serializers.UUIDField(source="product_id")
    vendorId = serializers.UUIDField(source="vendor_id")
    name = serializers.CharField()
    unitPrice = MoneyField(source="unit_price")
    quantity = serializers.IntegerField()
    lineTotal = MoneyField(source="line_total")


class PaymentSerializer(serializers.Serializer):
    amount = MoneyField()
    reference = serializers.CharField()
    receivedAt = serializers.DateTimeField(source="received_at")


class InvoiceSerializer(serializers.Serializer):
    invoiceId = serializers.UUIDField(source="invoice_id")
    orderId = serializers.UUIDField(source="order_id")
    customerId = serializers.UUIDField(source="customer_id")
    status = serializers.ChoiceField(choices=INVOICE_STATUSES)
    amount = MoneyField()
    currency = CurrencyField()
    paidAmount = MoneyField(source="paid_amount")
    dueAt = serializers.DateTimeField(source="due_at")
    lines = InvoiceLineSerializer(many=True)
    payments = PaymentSerializer(many=True, help_text="Accepted payments, oldest first.")


class InvoiceListApi(ReadApi):
    """Invoices, newest first: a customer's own, or every invoice for staff."""

    permission_classes = [OwnOrMayReadAll]
    reads = Invoice
    fed_by = INVOICE_BAKERS
    pagination_class = CursorPage

    class Filters(serializers.Serializer):
        status = serializers.ChoiceField(choices=INVOICE_STATUSES, required=False)
        orderId = serializers.UUIDField(required=False, help_text="The invoice of this order.")

    @extend_schema(parameters=[Filters], responses=InvoiceSerializer(many=True), summary="Invoices")
    def get(self, request: Request) -> Response:
        filters = validated(self.Filters, request.query_params)
        customer, status = customer_scope(request.user, Invoice), filters.get("status")
        rows = queries.invoice_list(customer_id=customer, status=status)
        if "orderId" in filters:
            rows = rows.filter(order_id=filters["orderId"])
        rows = rows.prefetch_related("lines", "payments")
        return paginate(request, self, rows, ("-issued_at", "invoice_id"), InvoiceSerializer)


class InvoiceDetailApi(ReadApi):
    permission_classes = [OwnOrMayReadAll]
    reads = Invoice
    fed_by = INVOICE_BAKERS

    @extend_schema(responses=InvoiceSerializer, summary="One invoice")
    def get(self, request: Request, invoiceId: UUID) -> Response:
        customer = customer_scope(request.user, Invoice)
        invoice = queries.invoice_detail(invoiceId, customer_id=customer)
        if invoice is None:
            raise NotFound("No such invoice.")
        return Response(InvoiceSerializer(invoice).data)


class PaymentRegisterApi(CommandApi):
    """Register a payment received for an invoice. The invoice is paid once the payments
    reach its amount; a reference counts once per invoice."""

    permission_classes = [MaySubmit]
    submits = RegisterPayment

    class Input(StrictSerializer):
        amount = positive_money(MAX_PAYMENT)
        reference = serializers.CharField(
            max_length=200, help_text="The bank's or provider's reference; once per invoice."
        )

    @extend_schema(request=Input, responses={202: AcceptedSerializer}, summary="Register a payment")
    def post(self, request: Request, invoiceId: UUID) -> Response:
        data = validated(self.Input, request.data)
        command = RegisterPayment(invoiceId, data["amount"], data["reference"], timezone.now())
        return self.accept(command)


class VendorBillingApi(ReadApi):
    """What each vendor earned in a UTC month: paid line totals (in the month of payment)
    minus refunds (in the month of the refund), by vendor id."""

    permission_classes = [MayReadAll]
    reads = VendorMonthlyBilling
    fed_by = ("invoicing.vendor_billing",)
    pagination_class = CursorPage

    class Filters(serializers.Serializer):
        year = serializers.IntegerField(min_value=1, max_value=9999)
        month = serializers.IntegerField(min_value=1, max_value=12)
        vendorId = serializers.UUIDField(required=False, help_text="Only this vendor.")

    class Output(serializers.Serializer):
        vendorId = serializers.UUIDField(source="vendor_id")
        year = serializers.IntegerField()
        month = serializers.IntegerField()
        balance = MoneyField()
        currency = CurrencyField()

    @extend_schema(parameters=[Filters], responses=Output(many=True), summary="Vendor billing")
    def get(self, request: Request) -> Response:
        filters = validated(self.Filters, request.query_params)
        rows = queries.vendor_billing(
            filters["year"], filters["month"], vendor_id=filters.get("vendorId")
        )
        return paginate(request, self, rows, ("vendor_id",), self.Output)
