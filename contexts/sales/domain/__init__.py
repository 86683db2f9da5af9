"""Sales: the product catalog and orders. Standard library only.

One module per aggregate, each with the same vocabulary (its commands, events, state,
`decide` and `evolve`): `product` (stream type `sales.Product`) and `order`
(`sales.Order`). Handlers name the aggregate's own `decide` and `evolve`; everything
else is re-exported here, so `from contexts.sales import domain` reads either's shapes.
"""

from contexts.sales.domain.errors import SalesError
from contexts.sales.domain.order import (
    CANCELLABLE_BY,
    FINAL,
    ORDER_STREAM,
    CancelOrder,
    CatalogEntry,
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
from contexts.sales.domain.product import (
    MAX_PRICE,
    PRODUCT_STREAM,
    ChangeProductPrice,
    CreateProduct,
    DiscontinueProduct,
    Product,
    ProductCreated,
    ProductDiscontinued,
    ProductPriceChanged,
)

__all__ = [
    "CANCELLABLE_BY",
    "FINAL",
    "MAX_PRICE",
    "ORDER_STREAM",
    "PRODUCT_STREAM",
    "CancelOrder",
    "CatalogEntry",
    "ChangeProductPrice",
    "CreateProduct",
    "DiscontinueProduct",
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
    "Product",
    "ProductCreated",
    "ProductDiscontinued",
    "ProductPriceChanged",
    "RecordDelivery",
    "RecordInvoice",
    "RecordPayment",
    "RecordShipment",
    "RequestedLine",
    "SalesError",
]
