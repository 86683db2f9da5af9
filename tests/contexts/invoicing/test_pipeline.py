"""Invoicing on the real Postgres: the receptor bills orders, the executor decides, the
bakers write exactly the expected rows, and a replay from position 0 agrees with them."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from contexts.invoicing import domain, queries
from contexts.invoicing.models import Invoice, InvoiceLine, Payment, VendorMonthlyBilling
from contexts.sales import domain as sales
from contexts.shared.values import Address, derived_id
from eventstore.codec import encode
from eventstore.executor import Executor
from eventstore.inbox import submit
from eventstore.models import Checkpoint, Command
from eventstore.rebuild import rebuild, verify
from eventstore.store import ExpectedVersion, Metadata, store
from eventstore.subscribers import Runner, registry

pytestmark = pytest.mark.django_db(transaction=False)

RECEPTOR = "invoicing.orders"
BAKERS = ("invoicing.invoices", "invoicing.vendor_billing")
ADDRESS = Address("Ada", "1 Loop Street", "Oslo", "0150", "NO")
ALICE = uuid.UUID("a11ce000-0000-4000-8000-000000000001")  # vendors, in the order rows sort
BOB = uuid.UUID("b0b00000-0000-4000-8000-000000000002")
MUGS, KETTLE, TEA = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()


def order_lines() -> tuple[sales.OrderLine, ...]:
    return (
        sales.OrderLine(MUGS, ALICE, "Mug", Decimal("7.50"), 4, Decimal("30.00")),
        sales.OrderLine(KETTLE, BOB, "Kettle", Decimal("45.25"), 1, Decimal("45.25")),
        sales.OrderLine(TEA, ALICE, "Tea", Decimal("3.10"), 3, Decimal("9.30")),
    )


def place_order(placed_at: dt.datetime, customer: uuid.UUID | None = None) -> sales.OrderPlaced:
    placed = sales.OrderPlaced(
        uuid.uuid4(), customer or uuid.uuid4(), order_lines(), Decimal("84.55"), ADDRESS, placed_at
    )
    with transaction.atomic():
        store.append(placed.order_id, "sales.Order", [placed], ExpectedVersion.NO_STREAM,
                     Metadata(actor="test"))  # fmt: skip
    return placed


def cancel_order(order_id: uuid.UUID, at: dt.datetime, *, was_paid: bool = False) -> None:
    cancelled = sales.OrderCancelled(order_id, "changed plans", "staff", at, was_paid=was_paid)
    with transaction.atomic():
        store.append(order_id, "sales.Order", [cancelled], ExpectedVersion.ANY,
                     Metadata(actor="test"))  # fmt: skip


def react() -> None:
    """The receptor reacts, then the executor runs whatever is due."""
    Runner(registry.named(RECEPTOR)).catch_up()
    Executor().run()


def bake() -> None:
    for name in BAKERS:
        Runner(registry.named(name)).catch_up()


def pay(invoice_id: uuid.UUID, amount: str, reference: str, at: dt.datetime) -> None:
    submit(domain.RegisterPayment(invoice_id, Decimal(amount), reference, at), actor="test")
    Executor().run()


def receptor_commands(invoice_id: uuid.UUID) -> list[Command]:
    return list(Command.objects.filter(stream_id=invoice_id, actor=f"receptor:{RECEPTOR}")
                .order_by("seq"))  # fmt: skip


def utc(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=dt.UTC)


def test_a_placed_order_is_invoiced_and_its_deadline_scheduled_at_the_due_time() -> None:
    placed = place_order(timezone.now().replace(microsecond=0))
    invoice_id = derived_id("invoice", placed.order_id)
    due_at = placed.placed_at + dt.timedelta(seconds=259200)

    react()
    react()

    [issue, expire] = receptor_commands(invoice_id)
    order_placed, *_ = store.read_stream(placed.order_id)  # then what sales.billing caused
    [issued] = store.read_stream(invoice_id)
    lines = tuple(domain.InvoiceLine(*vars(line).values()) for line in order_lines())
    expected = domain.IssueInvoice(invoice_id, placed.order_id, placed.customer_id, lines,
                                   Decimal("84.55"), placed.placed_at, due_at)  # fmt: skip
    assert (issue.operation, issue.status, issue.payload) == (
        "IssueInvoice",
        "done",
        encode(expected),
    )
    assert issue.idempotency_key == f"{RECEPTOR}:{order_placed.position}:0"
    assert issued.data == domain.InvoiceIssued(**vars(expected))
    assert (expire.operation, expire.status, expire.not_before) == (
        "ExpireInvoice",
        "pending",
        due_at,
    )
    assert expire.payload == {"invoice_id": str(invoice_id), "at": encode(due_at)}
    assert expire.idempotency_key == f"{RECEPTOR}:{issued.position}:0"


def test_a_replayed_order_submits_nothing_new() -> None:
    placed = place_order(timezone.now())
    react()
    react()
    submitted = Command.objects.count()

    Checkpoint.objects.filter(name=RECEPTOR).update(position=0)
    react()

    assert Command.objects.count() == submitted
    assert len(store.read_stream(derived_id("invoice", placed.order_id))) == 1


def test_the_payment_window_setting_sets_the_due_time(settings) -> None:
    settings.SHOP_PAYMENT_WINDOW = 3600
    placed = place_order(utc(2024, 3, 1, 9, 30))

    react()

    [issued] = store.read_stream(derived_id("invoice", placed.order_id))
    assert issued.data.due_at == utc(2024, 3, 1, 10, 30)


def test_payments_bill_the_vendors_in_the_month_paid_and_a_refund_in_its_own_month() -> None:
    placed = place_order(utc(2024, 1, 30, 10, 0))
    invoice_id = derived_id("invoice", placed.order_id)
    react()  # issued; its deadline is not scheduled yet, so the payments run first

    pay(invoice_id, "50.00", "bank-1", utc(2024, 1, 30, 12, 0))
    pay(invoice_id, "0.00", "bank-0", utc(2024, 1, 30, 12, 1))
    pay(invoice_id, "39.55", "bank-2", utc(2024, 1, 31, 23, 30))
    react()  # the deadline: the invoice is paid, nothing happens
    bake()

    events = store.read_stream(invoice_id)
    assert [e.type for e in events] == [
        "invoicing.InvoiceIssued", "invoicing.PaymentReceived", "invoicing.PaymentReceived",
        "invoicing.InvoicePaid",
    ]  # fmt: skip
    assert receptor_commands(invoice_id)[1].status == "done"
    invoice = Invoice.objects.get(invoice_id=invoice_id)
    assert (invoice.status, invoice.amount, invoice.paid_amount, invoice.overpaid) == (
        "paid", Decimal("84.55"), Decimal("89.55"), Decimal("5.00")
    )  # fmt: skip
    assert (invoice.paid_at, invoice.due_at, invoice.issued_at) == (
        utc(2024, 1, 31, 23, 30), utc(2024, 2, 2, 10, 0), utc(2024, 1, 30, 10, 0)
    )  # fmt: skip
    assert (invoice.version, invoice.updated_at) == (4, events[-1].recorded_at)
    assert list(InvoiceLine.objects.filter(invoice_id=invoice_id).values_list(
        "line_no", "product_id", "vendor_id", "name", "unit_price", "quantity", "line_total"
    )) == [
        (1, MUGS, ALICE, "Mug", Decimal("7.50"), 4, Decimal("30.00")),
        (2, KETTLE, BOB, "Kettle", Decimal("45.25"), 1, Decimal("45.25")),
        (3, TEA, ALICE, "Tea", Decimal("3.10"), 3, Decimal("9.30")),
    ]  # fmt: skip
    assert list(Payment.objects.filter(invoice_id=invoice_id).values_list(
        "position", "amount", "reference", "received_at"
    )) == [
        (events[1].position, Decimal("50.00"), "bank-1", utc(2024, 1, 30, 12, 0)),
        (events[2].position, Decimal("39.55"), "bank-2", utc(2024, 1, 31, 23, 30)),
    ]  # fmt: skip
    assert billing() == [
        (ALICE, 2024, 1, Decimal("39.30"), Decimal("0.00"), Decimal("39.30")),
        (BOB, 2024, 1, Decimal("45.25"), Decimal("0.00"), Decimal("45.25")),
    ]

    cancel_order(placed.order_id, utc(2024, 2, 3, 8, 0), was_paid=True)
    react()
    bake()

    assert store.read_stream(invoice_id)[-1].data == domain.RefundIssued(
        invoice_id, placed.order_id, Decimal("89.55"), utc(2024, 2, 3, 8, 0)
    )
    invoice = Invoice.objects.get(invoice_id=invoice_id)
    assert (invoice.status, invoice.refunded_amount, invoice.version) == (
        "refunded", Decimal("89.55"), 5
    )  # fmt: skip
    assert billing() == [
        (ALICE, 2024, 1, Decimal("39.30"), Decimal("0.00"), Decimal("39.30")),
        (BOB, 2024, 1, Decimal("45.25"), Decimal("0.00"), Decimal("45.25")),
        (ALICE, 2024, 2, Decimal("0.00"), Decimal("39.30"), Decimal("-39.30")),
        (BOB, 2024, 2, Decimal("0.00"), Decimal("45.25"), Decimal("-45.25")),
    ]
    assert_verified()


def test_an_unpaid_invoice_goes_overdue_takes_no_payment_and_is_voided_without_billing() -> None:
    placed = place_order(utc(2024, 4, 1, 8, 0))
    invoice_id = derived_id("invoice", placed.order_id)
    react()
    pay(invoice_id, "10.00", "bank-1", utc(2024, 4, 2, 8, 0))

    react()  # the deadline, already past, runs at once
    pay(invoice_id, "74.55", "bank-2", utc(2024, 4, 5, 8, 0))
    cancel_order(placed.order_id, utc(2024, 4, 5, 9, 0))
    react()
    bake()

    late = Command.objects.get(stream_id=invoice_id, payload__reference="bank-2")
    assert (late.status, late.error["detail"]) == (
        "rejected", "the invoice is overdue: it takes no payment"
    )  # fmt: skip
    assert [e.data for e in store.read_stream(invoice_id)[2:]] == [
        domain.InvoiceOverdue(invoice_id, placed.order_id, utc(2024, 4, 4, 8, 0)),
        domain.InvoiceVoided(invoice_id, placed.order_id, "changed plans", utc(2024, 4, 5, 9, 0)),
    ]
    invoice = Invoice.objects.get(invoice_id=invoice_id)
    assert (invoice.status, invoice.paid_amount, invoice.void_reason, invoice.paid_at) == (
        "voided", Decimal("10.00"), "changed plans", None
    )  # fmt: skip
    assert billing() == []
    assert_verified()


def test_customers_read_only_their_own_invoices() -> None:
    customer, stranger = uuid.uuid4(), uuid.uuid4()
    placed = place_order(utc(2024, 6, 1, 8, 0), customer)
    invoice_id = derived_id("invoice", placed.order_id)
    react()
    pay(invoice_id, "84.55", "bank-1", utc(2024, 6, 1, 9, 0))
    bake()

    detail = queries.invoice_detail(invoice_id, customer_id=customer)

    assert [line.name for line in detail.lines.all()] == ["Mug", "Kettle", "Tea"]
    assert [p.reference for p in detail.payments.all()] == ["bank-1"]
    assert queries.invoice_detail(invoice_id, customer_id=stranger) is None
    assert list(queries.invoice_list(customer_id=customer)) == [detail]
    assert queries.invoice_list(customer_id=stranger).count() == 0
    assert queries.invoice_for_order(placed.order_id) == detail
    assert [(r.vendor_id, r.balance) for r in queries.vendor_billing(2024, 6, vendor_id=BOB)] == [
        (BOB, Decimal("45.25"))
    ]


def test_a_rebuild_restores_exactly_the_invoicing_tables() -> None:
    placed = place_order(utc(2024, 7, 1, 8, 0))
    invoice_id = derived_id("invoice", placed.order_id)
    react()
    pay(invoice_id, "84.55", "bank-1", utc(2024, 7, 2, 8, 0))
    bake()
    expected = tables()
    Invoice.objects.filter(invoice_id=invoice_id).update(status="open")
    Payment.objects.filter(invoice_id=invoice_id).delete()
    VendorMonthlyBilling.objects.filter(vendor_id=ALICE).update(balance=Decimal("1.00"))

    for name in BAKERS:
        rebuild(registry.named(name))

    assert tables() == expected
    assert_verified()


def tables() -> list[list[tuple]]:
    return [
        list(model.objects.order_by("pk").values_list())
        for model in (Invoice, InvoiceLine, Payment, VendorMonthlyBilling)
    ]


def billing() -> list[tuple]:
    rows = VendorMonthlyBilling.objects.filter(vendor_id__in=[ALICE, BOB])
    return list(rows.order_by("year", "month", "vendor_id").values_list(
        "vendor_id", "year", "month", "sales", "refunds", "balance"
    ))  # fmt: skip


def assert_verified() -> None:
    diffs = [diff for name in BAKERS for diff in verify(registry.named(name))]
    assert [(d.table, d.equal, d.samples) for d in diffs] == [
        (table, True, [])
        for table in ("invoicing_invoice", "invoicing_invoiceline", "invoicing_payment",
                      "invoicing_vendorinvoiceshare", "invoicing_vendormonthlybilling")
    ]  # fmt: skip
