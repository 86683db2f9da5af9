"""What the cart does when sales reports: a checkout whose order was rejected gets its
lines back, with the reason, so the customer loses nothing and sees why.
"""

from __future__ import annotations

from collections.abc import Iterable

from contexts.cart.domain import RestoreCheckout
from contexts.sales.domain import OrderRejected
from eventstore.store import RecordedEvent
from eventstore.subscribers import Receptor, registry


class CheckoutsReceptor(Receptor):
    name = "cart.checkouts"
    event_types = frozenset({"sales.OrderRejected"})

    def react(self, event: RecordedEvent) -> Iterable[object]:
        rejected: OrderRejected = event.data
        yield RestoreCheckout(
            rejected.cart_id, rejected.customer_id, rejected.order_id, rejected.reason
        )


registry.register(CheckoutsReceptor())
