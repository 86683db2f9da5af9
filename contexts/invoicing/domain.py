"""Invoicing: invoices, payments, deadlines and refunds (stream type `invoicing.Invoice`).

Standard library only. An order's invoice id is `derived_id("invoice", order_id)`.

Settling an invoice that was never issued is nothing to settle, not an error (as
docs/events.md says). The ordering process never does it: the `invoicing.orders` receptor
submits an order's `IssueInvoice` before its `SettleCancelledOrder` (it handles events in
position order, and both go to the invoice's stream, whose commands run in arrival order).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from decimal import Decimal
from enum import StrEnum
from uuid import UUID

from contexts.shared.values import money


class InvoicingError(Exception):
    """An invoicing command refused, with the reason a person can act on."""


class InvoiceStatus(StrEnum):
    """An invoice's status; every one but `NEW` (not issued yet) is stored and served."""

    NEW = "new"
    OPEN = "open"
    PAID = "paid"
    OVERDUE = "overdue"
    VOIDED = "voided"
    REFUNDED = "refunded"


@dataclass(frozen=True)
class InvoiceLine:
    product_id: UUID
    vendor_id: UUID
    name: str
    unit_price: Decimal
    quantity: int
    line_total: Decimal


@dataclass(frozen=True)
class IssueInvoice:
    invoice_id: UUID
    order_id: UUID
    customer_id: UUID
    lines: tuple[InvoiceLine, ...]
    amount: Decimal
    issued_at: dt.datetime
    due_at: dt.datetime


@dataclass(frozen=True)
class RegisterPayment:
    invoice_id: UUID
    amount: Decimal
    reference: str
    at: dt.datetime


@dataclass(frozen=True)
class ExpireInvoice:
    """The deadline command, scheduled for the invoice's `due_at`."""

    invoice_id: UUID
    at: dt.datetime


@dataclass(frozen=True)
class SettleCancelledOrder:
    invoice_id: UUID
    reason: str
    at: dt.datetime


@dataclass(frozen=True)
class InvoiceIssued:
    invoice_id: UUID
    order_id: UUID
    customer_id: UUID
    lines: tuple[InvoiceLine, ...]
    amount: Decimal
    issued_at: dt.datetime
    due_at: dt.datetime


@dataclass(frozen=True)
class PaymentReceived:
    invoice_id: UUID
    order_id: UUID
    amount: Decimal
    reference: str
    at: dt.datetime


@dataclass(frozen=True)
class InvoicePaid:
    invoice_id: UUID
    order_id: UUID
    amount: Decimal
    paid_amount: Decimal
    overpaid: Decimal
    at: dt.datetime


@dataclass(frozen=True)
class InvoiceOverdue:
    invoice_id: UUID
    order_id: UUID
    at: dt.datetime


@dataclass(frozen=True)
class InvoiceVoided:
    invoice_id: UUID
    order_id: UUID
    reason: str
    at: dt.datetime


@dataclass(frozen=True)
class RefundIssued:
    invoice_id: UUID
    order_id: UUID
    amount: Decimal
    at: dt.datetime


@dataclass(frozen=True)
class Invoice:
    status: InvoiceStatus = InvoiceStatus.NEW
    order_id: UUID | None = None
    amount: Decimal = Decimal("0.00")
    paid_amount: Decimal = Decimal("0.00")
    references: frozenset[str] = frozenset()


def evolve(state: Invoice, event: object) -> Invoice:
    match event:
        case InvoiceIssued(order_id=order_id, amount=amount):
            return Invoice(InvoiceStatus.OPEN, order_id, amount)
        case PaymentReceived(amount=amount, reference=reference):
            return replace(
                state,
                paid_amount=state.paid_amount + amount,
                references=state.references | {reference},
            )
        case InvoicePaid():
            return replace(state, status=InvoiceStatus.PAID)
        case InvoiceOverdue():
            return replace(state, status=InvoiceStatus.OVERDUE)
        case InvoiceVoided():
            return replace(state, status=InvoiceStatus.VOIDED)
        case RefundIssued():
            return replace(state, status=InvoiceStatus.REFUNDED)
    return state


def decide(state: Invoice, command: object) -> list[object]:
    match command:
        case IssueInvoice():
            return [_issue(state, command)]
        case SettleCancelledOrder() if state.status is InvoiceStatus.NEW:
            return []  # the order's invoice was never issued: nothing to settle
    if state.status is InvoiceStatus.NEW:
        raise InvoicingError("no such invoice")
    match command:
        case RegisterPayment():
            return _pay(state, command)
        case ExpireInvoice(invoice_id=invoice_id, at=at):
            if state.status is not InvoiceStatus.OPEN:
                return []  # paid or settled in time: the deadline changes nothing
            return [InvoiceOverdue(invoice_id, state.order_id, at)]
        case SettleCancelledOrder(invoice_id=invoice_id, reason=reason, at=at):
            if state.status in (InvoiceStatus.OPEN, InvoiceStatus.OVERDUE):
                return [InvoiceVoided(invoice_id, state.order_id, reason, at)]
            if state.status is InvoiceStatus.PAID:
                return [RefundIssued(invoice_id, state.order_id, state.paid_amount, at)]
            return []  # voided or refunded already
    raise InvoicingError(f"invoices do not take {type(command).__name__}")


def _issue(state: Invoice, command: IssueInvoice) -> InvoiceIssued:
    """The amount must be the lines' sum: vendor billing splits the invoice by its lines."""
    if state.status is not InvoiceStatus.NEW:
        raise InvoicingError("the invoice is already issued")
    if not command.amount.is_finite() or command.amount <= 0:
        raise InvoicingError("an invoice amount must be greater than 0")
    if sum((line.line_total for line in command.lines), Decimal(0)) != command.amount:
        raise InvoicingError("the invoice amount must be the sum of its lines")
    return InvoiceIssued(**vars(command))


def _pay(state: Invoice, command: RegisterPayment) -> list[object]:
    if state.status is not InvoiceStatus.OPEN:
        raise InvoicingError(f"the invoice is {state.status}: it takes no payment")
    # Rounded first, so that 0.004 is refused rather than recorded as a payment of 0.00.
    amount = money(command.amount) if command.amount.is_finite() else Decimal(0)
    if amount <= 0:
        raise InvoicingError("a payment must be greater than 0")
    reference = command.reference.strip()
    if not reference:
        raise InvoicingError("a payment needs a reference")
    if reference in state.references:
        raise InvoicingError(f"payment {reference!r} is already registered")
    received = PaymentReceived(command.invoice_id, state.order_id, amount, reference, command.at)
    paid = state.paid_amount + amount
    if paid < state.amount:
        return [received]
    overpaid = paid - state.amount
    return [
        received,
        InvoicePaid(command.invoice_id, state.order_id, state.amount, paid, overpaid, command.at),
    ]
