"""What sales does when other contexts report: checkouts become orders, and the order
follows its invoice and its shipment. Every time comes from the event that caused it.
"""

from __future__ import annotations

from collections.abc import Iterable

from contexts.cart import domain as cart
from contexts.invoicing import domain as invoicing
from contexts.sales import domain as sales
from contexts.shipping import domain as shipping
from eventstore.store import RecordedEvent
from eventstore.subscribers import Receptor, registry

PAYMENT_DEADLINE_PASSED = "payment deadline passed"


class CheckoutReceptor(Receptor):
    """A checked-out cart becomes an order, priced again from the catalog as it executes."""

    name = "sales.checkout"
    event_types = frozenset({"cart.CartCheckedOut"})

    def react(self, event: RecordedEvent) -> Iterable[object]:
        checkout: cart.CartCheckedOut = event.data
        yield sales.PlaceOrder(
            order_id=checkout.order_id,
            customer_id=checkout.customer_id,
            lines=tuple(
                sales.RequestedLine(line.product_id, line.quantity) for line in checkout.lines
            ),
            shipping_address=checkout.shipping_address,
            placed_at=checkout.at,
            cart_id=checkout.cart_id,
        )


class BillingReceptor(Receptor):
    """The order follows its invoice: issued, paid, or unpaid past its deadline."""

    name = "sales.billing"
    event_types = frozenset(
        {"invoicing.InvoiceIssued", "invoicing.InvoicePaid", "invoicing.InvoiceOverdue"}
    )

    def react(self, event: RecordedEvent) -> Iterable[object]:
        match event.data:
            case invoicing.InvoiceIssued() as issued:
                yield sales.RecordInvoice(
                    issued.order_id, issued.invoice_id, issued.amount, issued.due_at,
                    at=issued.issued_at,
                )  # fmt: skip
            case invoicing.InvoicePaid(order_id=order_id, invoice_id=invoice_id, at=at):
                yield sales.RecordPayment(order_id, invoice_id, at)
            case invoicing.InvoiceOverdue(order_id=order_id, at=at):
                yield sales.CancelOrder(order_id, PAYMENT_DEADLINE_PASSED, by="system", at=at)


class DeliveryReceptor(Receptor):
    """The order follows its shipment: dispatched, then delivered."""

    name = "sales.delivery"
    event_types = frozenset({"shipping.ShipmentDispatched", "shipping.ShipmentDelivered"})

    def react(self, event: RecordedEvent) -> Iterable[object]:
        match event.data:
            case shipping.ShipmentDispatched() as dispatched:
                yield sales.RecordShipment(
                    dispatched.order_id, dispatched.shipment_id, dispatched.carrier,
                    dispatched.tracking_number, dispatched.at,
                )  # fmt: skip
            case shipping.ShipmentDelivered(order_id=order_id, shipment_id=shipment_id, at=at):
                yield sales.RecordDelivery(order_id, shipment_id, at)


registry.register(CheckoutReceptor())
registry.register(BillingReceptor())
registry.register(DeliveryReceptor())
