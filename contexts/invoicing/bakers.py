"""Invoicing's bakers: invoices with their lines and payments, and vendor billing."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal
from uuid import UUID

from django.db import connection

from contexts.invoicing import domain
from contexts.invoicing.models import (
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    Payment,
    VendorInvoiceShare,
    VendorMonthlyBilling,
)
from eventstore.store import RecordedEvent
from eventstore.subscribers import Baker, registry

ZERO = Decimal("0.00")
INVOICE_FIELDS = [
    "status", "paid_amount", "overpaid", "refunded_amount", "void_reason", "paid_at",
    "version", "updated_at",
]  # fmt: skip


class InvoicesBaker(Baker):
    """One row per invoice, its lines, and one row per accepted payment."""

    name = "invoicing.invoices"
    event_types = frozenset(
        f"invoicing.{t}"
        for t in ("InvoiceIssued", "PaymentReceived", "InvoicePaid", "InvoiceOverdue",
                  "InvoiceVoided", "RefundIssued")
    )  # fmt: skip
    models = (Invoice, InvoiceLine, Payment)

    def handle(self, events: Sequence[RecordedEvent]) -> None:
        """Work on the batch's invoices in memory, then write them with a few statements."""
        known = Invoice.objects.in_bulk({e.stream_id for e in events})
        issued: dict[UUID, Invoice] = {}
        lines: list[InvoiceLine] = []
        payments: list[Payment] = []
        for event in events:
            data = event.data
            if isinstance(data, domain.InvoiceIssued):
                issued[data.invoice_id] = _issued(data)
                lines += _lines(data)
                invoice = issued[data.invoice_id]
            else:
                invoice = issued.get(event.stream_id) or known[event.stream_id]
                _apply(invoice, data, event, payments)
            invoice.version = event.version
            invoice.updated_at = event.recorded_at
        Invoice.objects.bulk_create(issued.values())
        changed = [invoice for key, invoice in known.items() if key not in issued]
        Invoice.objects.bulk_update(changed, INVOICE_FIELDS)
        InvoiceLine.objects.bulk_create(lines)
        Payment.objects.bulk_create(payments)


def _issued(data: domain.InvoiceIssued) -> Invoice:
    return Invoice(
        invoice_id=data.invoice_id, order_id=data.order_id, customer_id=data.customer_id,
        status=InvoiceStatus.OPEN, amount=data.amount, paid_amount=ZERO, overpaid=ZERO,
        refunded_amount=ZERO, void_reason="", issued_at=data.issued_at, due_at=data.due_at,
        paid_at=None,
    )  # fmt: skip


def _lines(data: domain.InvoiceIssued) -> list[InvoiceLine]:
    return [
        InvoiceLine(
            invoice_id=data.invoice_id,
            line_no=number,
            product_id=line.product_id,
            vendor_id=line.vendor_id,
            name=line.name,
            unit_price=line.unit_price,
            quantity=line.quantity,
            line_total=line.line_total,
        )
        for number, line in enumerate(data.lines, start=1)
    ]


def _apply(invoice: Invoice, data: object, event: RecordedEvent, payments: list[Payment]) -> None:
    match data:
        case domain.PaymentReceived(amount=amount, reference=reference, at=at):
            invoice.paid_amount += amount
            payments.append(
                Payment(position=event.position, invoice_id=invoice.invoice_id, amount=amount,
                        reference=reference, received_at=at)
            )  # fmt: skip
        case domain.InvoicePaid(overpaid=overpaid, at=at):
            invoice.status, invoice.overpaid, invoice.paid_at = InvoiceStatus.PAID, overpaid, at
        case domain.InvoiceOverdue():
            invoice.status = InvoiceStatus.OVERDUE
        case domain.InvoiceVoided(reason=reason):
            invoice.status, invoice.void_reason = InvoiceStatus.VOIDED, reason
        case domain.RefundIssued(amount=amount):
            invoice.status, invoice.refunded_amount = InvoiceStatus.REFUNDED, amount


class VendorBillingBaker(Baker):
    """Each vendor's balance per UTC month: paid line totals minus refunded line totals."""

    name = "invoicing.vendor_billing"
    event_types = frozenset(
        {"invoicing.InvoiceIssued", "invoicing.InvoicePaid", "invoicing.RefundIssued"}
    )
    models = (VendorInvoiceShare, VendorMonthlyBilling)

    def handle(self, events: Sequence[RecordedEvent]) -> None:
        shares = _shares_of(e.stream_id for e in events if e.type != "invoicing.InvoiceIssued")
        new_shares: list[VendorInvoiceShare] = []
        sales: dict[tuple[UUID, int, int], Decimal] = defaultdict(Decimal)
        refunds: dict[tuple[UUID, int, int], Decimal] = defaultdict(Decimal)
        for event in events:
            match event.data:
                case domain.InvoiceIssued(invoice_id=invoice_id, lines=lines):
                    shares[invoice_id] = _split_by_vendor(lines)
                    new_shares += [
                        VendorInvoiceShare(invoice_id=invoice_id, vendor_id=vendor, amount=amount)
                        for vendor, amount in shares[invoice_id].items()
                    ]
                case domain.InvoicePaid(invoice_id=invoice_id, at=at):
                    _add(sales, shares[invoice_id], at)
                case domain.RefundIssued(invoice_id=invoice_id, at=at):
                    _add(refunds, shares[invoice_id], at)
        VendorInvoiceShare.objects.bulk_create(new_shares)
        _add_to_months(sales, refunds)


def _shares_of(invoice_ids: Iterable[UUID]) -> dict[UUID, dict[UUID, Decimal]]:
    shares: dict[UUID, dict[UUID, Decimal]] = defaultdict(dict)
    rows = VendorInvoiceShare.objects.filter(invoice_id__in=set(invoice_ids))
    for invoice_id, vendor_id, amount in rows.values_list("invoice_id", "vendor_id", "amount"):
        shares[invoice_id][vendor_id] = amount
    return shares


def _split_by_vendor(lines: Iterable[domain.InvoiceLine]) -> dict[UUID, Decimal]:
    split: dict[UUID, Decimal] = defaultdict(lambda: ZERO)
    for line in lines:
        split[line.vendor_id] += line.line_total
    return dict(split)


def _add(
    totals: dict[tuple[UUID, int, int], Decimal], share: dict[UUID, Decimal], at: dt.datetime
) -> None:
    at = at.astimezone(dt.UTC)
    for vendor, amount in share.items():
        totals[(vendor, at.year, at.month)] += amount


def _add_to_months(
    sales: dict[tuple[UUID, int, int], Decimal], refunds: dict[tuple[UUID, int, int], Decimal]
) -> None:
    """Add the batch's sums to each vendor's months in one upsert."""
    rows = [
        (*key, sales[key], refunds[key], sales[key] - refunds[key])
        for key in sorted(set(sales) | set(refunds))
    ]
    if not rows:
        return
    table = VendorMonthlyBilling._meta.db_table  # unqualified: a rebuild's search_path applies
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} (vendor_id, year, month, sales, refunds, balance)"
            " VALUES (%s, %s, %s, %s, %s, %s)"
            " ON CONFLICT (vendor_id, year, month) DO UPDATE SET"
            f" sales = {table}.sales + EXCLUDED.sales,"
            f" refunds = {table}.refunds + EXCLUDED.refunds,"
            f" balance = {table}.balance + EXCLUDED.balance",
            rows,
        )


registry.register(InvoicesBaker())
registry.register(VendorBillingBaker())
