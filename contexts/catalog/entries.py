"""The catalog's published read interface: each product folded from its own events.

Commands that price lines (adding to a cart, checking out, placing an order) must not
trust a client's prices, nor a presentation table that may lag: they read the products'
streams inside the executor's transaction, which is exactly what the product aggregate
itself decides from. Other contexts read the catalog through this module and
`contexts.catalog.domain` only (the import contracts in pyproject.toml say so).
"""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from contexts.catalog import domain
from contexts.catalog.domain import CatalogEntry
from eventstore.store import RecordedEvent, store


def catalog_entries(product_ids: Iterable[UUID]) -> tuple[CatalogEntry, ...]:
    """What the catalog says now about each of these products, in the order asked.

    Unknown ids are simply absent (the caller's `decide` rejects them); so are streams
    that are not products, should a client pass, say, an order id.
    """
    wanted = list(dict.fromkeys(product_ids))
    return catalog_from(wanted, store.read_streams(wanted))


def catalog_from(
    product_ids: Iterable[UUID], events: Iterable[RecordedEvent]
) -> tuple[CatalogEntry, ...]:
    """`catalog_entries`, folded from these streams' events (read already)."""
    wanted = list(dict.fromkeys(product_ids))
    products: dict[UUID, domain.Product] = {}
    for event in events:
        if event.stream_type == domain.PRODUCT_STREAM:
            known = products.get(event.stream_id, domain.Product())
            products[event.stream_id] = domain.evolve(known, event.data)
    return tuple(
        CatalogEntry(product_id, found.vendor_id, found.name, found.price, found.active)
        for product_id in wanted
        if (found := products.get(product_id)) is not None and found.exists
    )
