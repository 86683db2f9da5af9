"""Invoicing's decisions, pure: given events, when a command, then events or a rejection."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from functools import reduce

import pytest

from contexts.invoicing.domain import (
    ExpireInvoice,
    Invoice,
    InvoiceIssued,
    InvoiceLine,
    InvoiceOverdue,
    InvoicePaid,
    InvoiceVoided,
    InvoicingError,
    IssueInvoice,
    PaymentReceived,
    RefundIssued,
    RegisterPayment,
    SettleCancelledOrder,
    decide,
    evolve,
)

INVOICE = uuid.UUID("00000000-0000-0000-0000-00000000000a")
ORDER = uuid.UUID("00000000-0000-0000-0000-00000000000b")
CUSTOMER = uuid.UUID("00000000-0000-0000-0000-00000000000c")
VENDOR = uuid.UUID("00000000-0000-0000-0000-00000000000d")
PRODUCT = uuid.UUID("00000000-0000-0000-0000-00000000000e")
ISSUED_AT = dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.UTC)
DUE_AT = ISSUED_AT + dt.timedelta(days=3)
LATER = ISSUED_AT + dt.timedelta(hours=5)
LINE = InvoiceLine(PRODUCT, VENDOR, "Teapot", Decimal("25.00"), 4, Decimal("100.00"))


def issue(**changes: object) -> IssueInvoice:
    fields = {
        "invoice_id": INVOICE, "order_id": ORDER, "customer_id": CUSTOMER, "lines": (LINE,),
        "amount": Decimal("100.00"), "issued_at": ISSUED_AT, "due_at": DUE_AT,
    }  # fmt: skip
    return IssueInvoice(**{**fields, **changes})


ISSUED = InvoiceIssued(**vars(issue()))


def received(amount: str, reference: str) -> PaymentReceived:
    return PaymentReceived(INVOICE, ORDER, Decimal(amount), reference, LATER)


def pay(amount: str, reference: str = "bank-1") -> RegisterPayment:
    return RegisterPayment(INVOICE, Decimal(amount), reference, LATER)


PAID = [
    received("100.00", "bank-1"),
    InvoicePaid(INVOICE, ORDER, Decimal("100.00"), Decimal("100.00"), Decimal("0.00"), LATER),
]


def given(*events: object) -> Invoice:
    return reduce(evolve, events, Invoice())


def rejected(state: Invoice, command: object) -> str:
    with pytest.raises(InvoicingError) as raised:
        decide(state, command)
    return str(raised.value)


# IssueInvoice


def test_issuing_a_new_invoice_records_it_with_its_lines_and_deadline() -> None:
    assert decide(given(), issue()) == [ISSUED]


def test_an_invoice_is_issued_only_once() -> None:
    assert rejected(given(ISSUED), issue()) == "the invoice is already issued"


def test_an_invoice_of_nothing_is_refused() -> None:
    assert rejected(given(), issue(amount=Decimal("0.00"), lines=())) == (
        "an invoice amount must be greater than 0"
    )


def test_an_amount_that_is_not_the_sum_of_the_lines_is_refused() -> None:
    assert rejected(given(), issue(amount=Decimal("99.99"))) == (
        "the invoice amount must be the sum of its lines"
    )


# RegisterPayment


def test_a_partial_payment_is_received_and_the_invoice_stays_open() -> None:
    state = given(ISSUED)

    assert decide(state, pay("40.00")) == [received("40.00", "bank-1")]
    assert given(ISSUED, received("40.00", "bank-1")).status == "open"


def test_the_payment_that_reaches_the_amount_pays_the_invoice() -> None:
    state = given(ISSUED, received("40.00", "bank-1"))

    assert decide(state, pay("60.00", "bank-2")) == [
        received("60.00", "bank-2"),
        InvoicePaid(INVOICE, ORDER, Decimal("100.00"), Decimal("100.00"), Decimal("0.00"), LATER),
    ]


def test_an_overpayment_pays_the_invoice_and_records_the_excess() -> None:
    state = given(ISSUED, received("40.00", "bank-1"))

    assert decide(state, pay("75.50", "bank-2")) == [
        received("75.50", "bank-2"),
        InvoicePaid(INVOICE, ORDER, Decimal("100.00"), Decimal("115.50"), Decimal("15.50"), LATER),
    ]


def test_a_payment_is_rounded_to_cents_and_its_reference_trimmed() -> None:
    assert decide(given(ISSUED), pay("10.005", "  bank-9 ")) == [received("10.01", "bank-9")]


def test_a_payment_on_no_invoice_is_refused() -> None:
    assert rejected(given(), pay("10.00")) == "no such invoice"


@pytest.mark.parametrize("amount", ["0", "-5.00", "0.004", "NaN"])
def test_a_payment_of_nothing_or_less_is_refused(amount: str) -> None:
    assert rejected(given(ISSUED), pay(amount)) == "a payment must be greater than 0"


@pytest.mark.parametrize("reference", ["", "   "])
def test_a_payment_without_a_reference_is_refused(reference: str) -> None:
    assert rejected(given(ISSUED), pay("10.00", reference)) == "a payment needs a reference"


def test_a_reference_is_accepted_once() -> None:
    state = given(ISSUED, received("10.00", "bank-1"))

    assert rejected(state, pay("10.00", " bank-1")) == "payment 'bank-1' is already registered"


def test_a_paid_invoice_takes_no_payment() -> None:
    assert rejected(given(ISSUED, *PAID), pay("1.00", "bank-2")) == (
        "the invoice is paid: it takes no payment"
    )


def test_a_voided_invoice_takes_no_payment() -> None:
    state = given(ISSUED, InvoiceVoided(INVOICE, ORDER, "changed my mind", LATER))

    assert rejected(state, pay("1.00")) == "the invoice is voided: it takes no payment"


def test_an_overdue_invoice_takes_no_payment() -> None:
    state = given(ISSUED, InvoiceOverdue(INVOICE, ORDER, DUE_AT))

    assert rejected(state, pay("100.00")) == "the invoice is overdue: it takes no payment"


def test_a_refunded_invoice_takes_no_payment() -> None:
    state = given(ISSUED, *PAID, RefundIssued(INVOICE, ORDER, Decimal("100.00"), LATER))

    assert rejected(state, pay("1.00", "bank-2")) == "the invoice is refunded: it takes no payment"


# ExpireInvoice


def test_the_deadline_makes_an_unpaid_invoice_overdue() -> None:
    state = given(ISSUED, received("40.00", "bank-1"))

    assert decide(state, ExpireInvoice(INVOICE, DUE_AT)) == [InvoiceOverdue(INVOICE, ORDER, DUE_AT)]


def test_the_deadline_changes_nothing_on_a_paid_invoice() -> None:
    assert decide(given(ISSUED, *PAID), ExpireInvoice(INVOICE, DUE_AT)) == []


def test_the_deadline_changes_nothing_on_a_voided_invoice() -> None:
    state = given(ISSUED, InvoiceVoided(INVOICE, ORDER, "cancelled", LATER))

    assert decide(state, ExpireInvoice(INVOICE, DUE_AT)) == []


def test_the_deadline_changes_nothing_on_an_overdue_invoice() -> None:
    state = given(ISSUED, InvoiceOverdue(INVOICE, ORDER, DUE_AT))

    assert decide(state, ExpireInvoice(INVOICE, DUE_AT)) == []


def test_the_deadline_of_no_invoice_is_refused() -> None:
    assert rejected(given(), ExpireInvoice(INVOICE, DUE_AT)) == "no such invoice"


# SettleCancelledOrder


def test_settling_an_open_invoice_voids_it() -> None:
    state = given(ISSUED, received("40.00", "bank-1"))

    assert decide(state, SettleCancelledOrder(INVOICE, "out of stock", LATER)) == [
        InvoiceVoided(INVOICE, ORDER, "out of stock", LATER)
    ]


def test_settling_an_overdue_invoice_voids_it() -> None:
    state = given(ISSUED, InvoiceOverdue(INVOICE, ORDER, DUE_AT))

    assert decide(state, SettleCancelledOrder(INVOICE, "not paid", DUE_AT)) == [
        InvoiceVoided(INVOICE, ORDER, "not paid", DUE_AT)
    ]


def test_settling_a_paid_invoice_refunds_everything_paid() -> None:
    overpaid = [
        received("120.00", "bank-1"),
        InvoicePaid(INVOICE, ORDER, Decimal("100.00"), Decimal("120.00"), Decimal("20.00"), LATER),
    ]
    state = given(ISSUED, *overpaid)

    assert decide(state, SettleCancelledOrder(INVOICE, "staff", LATER)) == [
        RefundIssued(INVOICE, ORDER, Decimal("120.00"), LATER)
    ]


def test_settling_twice_settles_once() -> None:
    voided = given(ISSUED, InvoiceVoided(INVOICE, ORDER, "gone", LATER))
    refunded = given(ISSUED, *PAID, RefundIssued(INVOICE, ORDER, Decimal("100.00"), LATER))

    assert decide(voided, SettleCancelledOrder(INVOICE, "again", LATER)) == []
    assert decide(refunded, SettleCancelledOrder(INVOICE, "again", LATER)) == []


def test_settling_an_invoice_never_issued_is_nothing_to_settle() -> None:
    assert decide(given(), SettleCancelledOrder(INVOICE, "cancelled", LATER)) == []


def test_invoices_refuse_commands_that_are_not_theirs() -> None:
    assert rejected(given(ISSUED), object()) == "invoices do not take object"
