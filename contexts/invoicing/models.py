"""Invoicing's presentation tables, each written only by its baker.

Keys are natural (invoice ids, line numbers, event positions, vendor and month), so a
rebuild from position 0 produces exactly the live rows. Relations carry no database
constraint: the baker is the only writer and keeps them whole, and a rebuild truncates and
refills the tables (constraint triggers pending in the same transaction would refuse that).
Texts are unbounded: the events decide their length, and a baker must never fail on it.
"""

from django.db import models

from contexts.invoicing import domain as invoicing
from contexts.shared.values import choice_members


def money_field(**options: object) -> models.DecimalField:
    return models.DecimalField(max_digits=21, decimal_places=2, **options)


InvoiceStatus = models.TextChoices("InvoiceStatus", choice_members(invoicing.InvoiceStatus))
"""The domain's statuses an issued invoice can have, as a model field's choices."""


class Invoice(models.Model):
    """One invoice as customers and staff see it (baker `invoicing.invoices`)."""

    invoice_id = models.UUIDField(primary_key=True)
    order_id = models.UUIDField(db_index=True)
    customer_id = models.UUIDField(db_index=True)
    status = models.CharField(max_length=10, choices=InvoiceStatus.choices)
    amount = money_field()
    paid_amount = money_field()
    overpaid = money_field()
    refunded_amount = money_field()
    void_reason = models.TextField(blank=True)
    issued_at = models.DateTimeField()
    due_at = models.DateTimeField()
    paid_at = models.DateTimeField(null=True)
    version = models.IntegerField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-issued_at", "invoice_id"]
        permissions = [("register_payment", "Can register payments")]

    def __str__(self) -> str:
        return f"invoice {self.invoice_id} ({self.status})"


class InvoiceLine(models.Model):
    """An invoice's lines, numbered from 1 in the order of the invoice."""

    pk = models.CompositePrimaryKey("invoice_id", "line_no")
    invoice = models.ForeignKey(
        Invoice, on_delete=models.DO_NOTHING, related_name="lines", db_constraint=False
    )
    line_no = models.PositiveSmallIntegerField()
    product_id = models.UUIDField()
    vendor_id = models.UUIDField()
    name = models.TextField()
    unit_price = money_field()
    quantity = models.PositiveIntegerField()
    line_total = money_field()

    class Meta:
        ordering = ["invoice_id", "line_no"]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.name}"


class Payment(models.Model):
    """One accepted payment, keyed by the position of its `PaymentReceived` event."""

    position = models.BigIntegerField(primary_key=True)
    invoice = models.ForeignKey(
        Invoice, on_delete=models.DO_NOTHING, related_name="payments", db_constraint=False
    )
    amount = money_field()
    reference = models.TextField()
    received_at = models.DateTimeField()

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(
                fields=["invoice", "reference"], name="invoicing_payment_reference_once"
            )
        ]

    def __str__(self) -> str:
        return f"payment {self.reference}: {self.amount}"


class VendorInvoiceShare(models.Model):
    """A vendor's part of one invoice: the sum of its line totals (baker's own lookup)."""

    pk = models.CompositePrimaryKey("invoice_id", "vendor_id")
    invoice_id = models.UUIDField()
    vendor_id = models.UUIDField()
    amount = money_field()

    def __str__(self) -> str:
        return f"{self.vendor_id} on {self.invoice_id}: {self.amount}"


class VendorMonthlyBilling(models.Model):
    """What a vendor earned in one UTC month: paid line totals minus refunded ones.

    Sales count in the month of payment, refunds in the month of the refund.
    Overpayments are the customer's money, never the vendor's.
    """

    pk = models.CompositePrimaryKey("vendor_id", "year", "month")
    vendor_id = models.UUIDField()
    year = models.PositiveSmallIntegerField()
    month = models.PositiveSmallIntegerField()
    sales = money_field()
    refunds = money_field()
    balance = money_field()

    class Meta:
        ordering = ["year", "month", "vendor_id"]

    def __str__(self) -> str:
        return f"{self.vendor_id} {self.year}-{self.month:02d}: {self.balance}"
