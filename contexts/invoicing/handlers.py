"""Registers invoicing's events and commands with the event store."""

from typing import Any
from uuid import UUID

from contexts.invoicing import domain
from eventstore.commands import Handler, commands
from eventstore.registry import registry

EVENTS: dict[str, type] = {
    "invoicing.InvoiceIssued": domain.InvoiceIssued,
    "invoicing.PaymentReceived": domain.PaymentReceived,
    "invoicing.InvoicePaid": domain.InvoicePaid,
    "invoicing.InvoiceOverdue": domain.InvoiceOverdue,
    "invoicing.InvoiceVoided": domain.InvoiceVoided,
    "invoicing.RefundIssued": domain.RefundIssued,
}

COMMANDS: tuple[type, ...] = (
    domain.IssueInvoice,
    domain.RegisterPayment,
    domain.ExpireInvoice,
    domain.SettleCancelledOrder,
)

STAFF_PERMISSIONS = {domain.RegisterPayment: "invoicing.register_payment"}
"""What staff need to submit each command, in the API and the back office alike."""


def invoice_of(command: Any) -> UUID:
    """Every invoicing command addresses one invoice's stream."""
    return command.invoice_id


for name, cls in EVENTS.items():
    registry.register(name, cls)

for command in COMMANDS:
    commands.register(
        Handler(
            service="invoicing",
            operation=command.__name__,
            command=command,
            stream_type="invoicing.Invoice",
            stream_of=invoice_of,
            initial_state=domain.Invoice,
            evolve=domain.evolve,
            decide=domain.decide,
            rejection=domain.InvoicingError,
            permission=STAFF_PERMISSIONS.get(command),
        )
    )
