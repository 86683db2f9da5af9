"""The live order feed at /ws/order-events: staff see every order, a customer their own.

A customer is the signed-in user's customer id (`shop.customers.customer_id_for`), the
id the API puts in the orders that user places. The socket re-checks its user before
each heartbeat (`eventstore.live`): a staff board whose user lost `sees_every_order`
closes with 4403.

`shop_websocket_connections` counts the open feeds of the live processes (a gauge summed
over them, so a stopped server's sockets drop out with it).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from prometheus_client import Gauge

from contexts.sales import queries
from contexts.sales.feed import STAFF_GROUP, customer_group, for_staff, served
from eventstore.live import FeedConsumer
from shop.customers import customer_id_for


def sees_every_order(user: Any) -> bool:
    """The staff board's right, checked on connect and before every heartbeat: the one
    the API's order reads and the live pages ask (`queries.can_watch_all_orders`)."""
    return queries.can_watch_all_orders(user)


def whose_orders(user: Any) -> UUID | None:
    """The customer whose orders the user's feed carries; None for every order."""
    return None if sees_every_order(user) else customer_id_for(user)


CONNECTIONS = Gauge(
    "shop_websocket_connections", "Open live order feeds.", multiprocess_mode="livesum"
)


class OrderEventsConsumer(FeedConsumer):
    counted = False

    async def connect(self) -> None:
        await super().connect()
        if self.heartbeat is not None:  # accepted and feeding, not refused
            CONNECTIONS.inc()
            self.counted = True

    async def disconnect(self, code: int) -> None:
        if self.counted:
            CONNECTIONS.dec()
            self.counted = False
        await super().disconnect(code)

    def groups_for(self, user: Any) -> list[str]:
        customer_id = whose_orders(user)
        return [STAFF_GROUP if customer_id is None else customer_group(customer_id)]

    def replay(self, user: Any, after: int, limit: int) -> list[dict]:
        customer_id = whose_orders(user)
        stored = queries.feed_messages(after, limit, customer_id=customer_id)
        messages = [served(message) for message in stored]
        return for_staff(messages) if customer_id is None else messages

    def head_for(self, user: Any) -> int:
        return queries.feed_head(customer_id=whose_orders(user))
