"""The ordering process, invoicing's part: bill placed orders, watch the deadline, settle
cancelled orders."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings

from contexts.invoicing import domain
from contexts.sales.domain import OrderCancelled, OrderPlaced
from contexts.shared.values import derived_id
from eventstore.store import RecordedEvent
from eventstore.subscribers import Receptor, registry


def payment_window() -> dt.timedelta:
    """How long a customer has to pay, from the moment the order was placed."""
    return dt.timedelta(seconds=settings.SHOP_PAYMENT_WINDOW)


class OrdersReceptor(Receptor):
    """Invoices every placed order, schedules its deadline and settles it on cancellation.

    The invoice id is derived from the order id, so the cancellation finds the invoice
    without reading anything. Both commands go to the invoice's stream in the order of
    their events, so an invoice is always issued before its order's cancellation settles it.
    """

    name = "invoicing.orders"
    event_types = frozenset(
        {"sales.OrderPlaced", "sales.OrderCancelled", "invoicing.InvoiceIssued"}
    )

    def react(self, event: RecordedEvent) -> Iterable[object]:
        match event.data:
            case OrderPlaced() as placed:
                yield issue_invoice(placed)
            case domain.InvoiceIssued(invoice_id=invoice_id, due_at=due_at):
                yield domain.ExpireInvoice(invoice_id, at=due_at)
            case OrderCancelled(order_id=order_id, reason=reason, at=at):
                yield domain.SettleCancelledOrder(derived_id("invoice", order_id), reason, at)

    def not_before(self, event: RecordedEvent, command: object) -> dt.datetime | None:
        """A deadline runs no earlier than the invoice's due time."""
        return command.at if isinstance(command, domain.ExpireInvoice) else None


def issue_invoice(placed: OrderPlaced) -> domain.IssueInvoice:
    lines = tuple(
        domain.InvoiceLine(
            line.product_id,
            line.vendor_id,
            line.name,
            line.unit_price,
            line.quantity,
            line.line_total,
        )
        for line in placed.lines
    )
    return domain.IssueInvoice(
        invoice_id=derived_id("invoice", placed.order_id),
        order_id=placed.order_id,
        customer_id=placed.customer_id,
        lines=lines,
        amount=placed.total,
        issued_at=placed.placed_at,
        due_at=placed.placed_at + payment_window(),
    )


registry.register(OrdersReceptor())
