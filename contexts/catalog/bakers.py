"""The catalog's baker: products' events into the table shoppers and staff browse.

It keeps the name `sales.products` it had when the catalog was part of sales, so its
checkpoint (and every job and page that names it) carries on. Times come from the
events only.
"""

from __future__ import annotations

from collections.abc import Sequence

from contexts.catalog import domain
from contexts.catalog.models import Product
from contexts.shared.upsert import upsert
from eventstore.store import RecordedEvent
from eventstore.subscribers import Baker, registry


class ProductsBaker(Baker):
    name = "sales.products"
    event_types = frozenset(
        {"sales.ProductCreated", "sales.ProductPriceChanged", "sales.ProductDiscontinued"}
    )
    models = (Product,)

    def handle(self, events: Sequence[RecordedEvent]) -> None:
        ids = {event.stream_id for event in events}
        rows = {row.product_id: row for row in Product.objects.filter(pk__in=ids)}
        for event in events:
            match event.data:
                case domain.ProductCreated(product_id=product_id, vendor_id=vendor_id):
                    rows[product_id] = Product(
                        product_id=product_id, vendor_id=vendor_id, name=event.data.name,
                        price=event.data.price, active=True, created_at=event.recorded_at,
                    )  # fmt: skip
                case domain.ProductPriceChanged(product_id=product_id, price=price):
                    rows[product_id].price = price
                case domain.ProductDiscontinued(product_id=product_id):
                    rows[product_id].active = False
            rows[event.stream_id].updated_at = event.recorded_at
        upsert(Product, rows.values(), ["product_id"])


registry.register(ProductsBaker())
