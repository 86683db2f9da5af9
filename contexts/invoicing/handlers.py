"""Registers invoicing's events and commands with the event store."""

from typing import Any
from uuid import UUID

from contexts.invoicing import domain
from eventstore.commands import Aggregate, commands
from eventstore.registry import registry

EVENTS: dict[str, type] = {
    "invoicing.InvoiceIssued": domain.InvoiceIssued,
    "invoicing.PaymentReceived": domain.PaymentReceived,
    "invoicing.InvoicePaid": domain.InvoicePaid,
    "invoicing.InvoiceOverdue": domain.InvoiceOverdue,
    "invoicing.InvoiceVoided": domain.InvoiceVoided,
    "invoicing.RefundIssued": domain.RefundIssued,
}

COMMANDS: dict[str, type] = {
    "invoicing.IssueInvoice": domain.IssueInvoice,
    "invoicing.RegisterPayment": domain.RegisterPayment,
    "invoicing.ExpireInvoice": domain.ExpireInvoice,
    "invoicing.SettleCancelledOrder": domain.SettleCancelledOrder,
}


def invoice_of(command: Any) -> UUID:
    """Every invoicing command addresses one invoice's stream."""
    return command.invoice_id


INVOICE = Aggregate(
    stream_type="invoicing.Invoice",
    stream_of=invoice_of,
    initial_state=domain.Invoice,
    evolve=domain.evolve,
    decide=domain.decide,
    rejection=domain.InvoicingError,
)

OPTIONS = {domain.RegisterPayment: {"permission": "invoicing.register_payment"}}
"""What staff need to submit a command, in the API and the back office alike."""


for name, cls in EVENTS.items():
    registry.register(name, cls)
commands.register_aggregate(INVOICE, COMMANDS, OPTIONS)
