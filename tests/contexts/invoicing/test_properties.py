"""Any sequence of payments, deadlines and settlements keeps an invoice's invariants."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from contexts.invoicing.domain import (
    ExpireInvoice,
    Invoice,
    InvoiceLine,
    InvoicePaid,
    InvoicingError,
    IssueInvoice,
    PaymentReceived,
    RefundIssued,
    RegisterPayment,
    SettleCancelledOrder,
    decide,
    evolve,
)

INVOICE = uuid.uuid4()
AT = dt.datetime(2024, 5, 1, tzinfo=dt.UTC)

cents = st.integers(min_value=-500, max_value=20_000).map(lambda c: Decimal(c) / 100)
payments = st.builds(
    RegisterPayment, st.just(INVOICE), cents, st.sampled_from(["a", "b", "c", "d", " a", ""]),
    st.just(AT),
)  # fmt: skip
commands = st.lists(
    st.one_of(
        payments,
        payments,
        st.builds(ExpireInvoice, st.just(INVOICE), st.just(AT)),
        st.builds(SettleCancelledOrder, st.just(INVOICE), st.just("cancelled"), st.just(AT)),
    ),
    max_size=12,
)


def issued(amount: Decimal) -> IssueInvoice:
    line = InvoiceLine(uuid.uuid4(), uuid.uuid4(), "Thing", amount, 1, amount)
    return IssueInvoice(INVOICE, uuid.uuid4(), uuid.uuid4(), (line,), amount, AT, AT)


@settings(max_examples=200, deadline=None)
@given(amount=st.integers(min_value=1, max_value=30_000).map(lambda c: Decimal(c) / 100),
       script=commands)  # fmt: skip
def test_an_invoice_is_paid_iff_its_accepted_payments_reach_its_amount(
    amount: Decimal, script: list[object]
) -> None:
    history = decide(Invoice(), issued(amount))
    state = evolve(Invoice(), history[0])
    for command in script:
        try:
            events = decide(state, command)
        except InvoicingError:
            events = []
        for event in events:
            state = evolve(state, event)
        history += events

        accepted = [e for e in history if isinstance(e, PaymentReceived)]
        references = [e.reference for e in accepted]
        assert state.paid_amount == sum((e.amount for e in accepted), Decimal(0))
        assert (state.status in ("paid", "refunded")) == (state.paid_amount >= amount)
        assert len(references) == len(set(references)) == len(state.references)
        assert all(e.amount > 0 and e.reference for e in accepted)

    paid = [e for e in history if isinstance(e, InvoicePaid)]
    refunds = [e for e in history if isinstance(e, RefundIssued)]
    assert len(paid) <= 1 and len(refunds) <= len(paid)
    for event in paid:
        assert (event.paid_amount, event.overpaid) == (
            state.paid_amount,
            state.paid_amount - amount,
        )
    for event in refunds:
        assert event.amount == state.paid_amount
