"""Reads over invoicing's presentation tables, shared by the API, the admin and consumers.

A customer passes their own `customer_id` and sees only their invoices; staff pass None.
"""

from __future__ import annotations

import datetime as dt
from uuid import UUID

from django.db.models import Q, QuerySet

from contexts.invoicing.models import Invoice, InvoiceStatus, VendorMonthlyBilling


def invoice_list(
    *, customer_id: UUID | None = None, status: str | None = None
) -> QuerySet[Invoice]:
    """Invoices, newest first."""
    invoices = Invoice.objects.all()
    if customer_id is not None:
        invoices = invoices.filter(customer_id=customer_id)
    if status is not None:
        invoices = invoices.filter(status=status)
    return invoices


def awaiting_payment(now: dt.datetime) -> QuerySet[Invoice]:
    """Open invoices whose payment deadline has not passed."""
    return Invoice.objects.filter(status=InvoiceStatus.OPEN, due_at__gte=now)


def overdue(now: dt.datetime) -> QuerySet[Invoice]:
    """Unpaid invoices past their deadline: marked overdue, or open with the deadline
    passed and the expiry not yet run."""
    late = Q(status=InvoiceStatus.OVERDUE) | Q(status=InvoiceStatus.OPEN, due_at__lt=now)
    return Invoice.objects.filter(late)


def invoice_detail(invoice_id: UUID, *, customer_id: UUID | None = None) -> Invoice | None:
    """One invoice with its lines (`.lines`) and payments (`.payments`) loaded, or None
    when it does not exist or is another customer's."""
    invoices = invoice_list(customer_id=customer_id).prefetch_related("lines", "payments")
    return invoices.filter(invoice_id=invoice_id).first()


def invoice_for_order(order_id: UUID, *, customer_id: UUID | None = None) -> Invoice | None:
    """The invoice of an order, or None while it has not been issued yet."""
    invoices = invoice_list(customer_id=customer_id).prefetch_related("lines", "payments")
    return invoices.filter(order_id=order_id).first()


def vendor_billing(
    year: int, month: int, *, vendor_id: UUID | None = None
) -> QuerySet[VendorMonthlyBilling]:
    """Every vendor's (or one vendor's) sales, refunds and balance in one UTC month."""
    rows = VendorMonthlyBilling.objects.filter(year=year, month=month)
    if vendor_id is not None:
        rows = rows.filter(vendor_id=vendor_id)
    return rows.order_by("vendor_id")
