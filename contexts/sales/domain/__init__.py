"""Sales: orders. Standard library only.

The aggregate's module `order` (stream type `sales.Order`) has the context's vocabulary
(its commands, events, state, `decide` and `evolve`); handlers name its own `decide` and
`evolve`, and everything else is re-exported here. Products are the catalog's
(contexts.catalog.domain).
"""

from contexts.sales.domain.errors import SalesError
from contexts.sales.domain.order import (
    CANCELLABLE_BY,
    FINAL,
    ORDER_STREAM,
    CancelOrder,
    Order,
    OrderCancelled,
    OrderDelivered,
    OrderInvoiced,
    OrderLine,
    OrderPaid,
    OrderPlaced,
    OrderRejected,
    OrderShipped,
    OrderStatus,
    PlaceOrder,
    RecordDelivery,
    RecordInvoice,
    RecordPayment,
    RecordShipment,
    RequestedLine,
)

__all__ = [
    "CANCELLABLE_BY",
    "FINAL",
    "ORDER_STREAM",
    "CancelOrder",
    "Order",
    "OrderCancelled",
    "OrderDelivered",
    "OrderInvoiced",
    "OrderLine",
    "OrderPaid",
    "OrderPlaced",
    "OrderRejected",
    "OrderShipped",
    "OrderStatus",
    "PlaceOrder",
    "RecordDelivery",
    "RecordInvoice",
    "RecordPayment",
    "RecordShipment",
    "RequestedLine",
    "SalesError",
]
