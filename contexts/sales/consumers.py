"""The live order feed at /ws/order-events: staff see every order, a customer their own.

A customer is the signed-in user's customer id (`shop.customers.customer_id_for`), the
id the API puts in the orders that user places.
"""

from __future__ import annotations

from typing import Any

from contexts.sales import queries
from contexts.sales.feed import STAFF_GROUP, customer_group
from eventstore.live import FeedConsumer
from shop.customers import customer_id_for


class OrderEventsConsumer(FeedConsumer):
    def groups_for(self, user: Any) -> list[str]:
        return [STAFF_GROUP] if user.is_staff else [customer_group(customer_id_for(user))]

    def replay(self, user: Any, after: int, limit: int) -> list[dict]:
        customer_id = None if user.is_staff else customer_id_for(user)
        return queries.feed_messages(after, limit, customer_id=customer_id)
