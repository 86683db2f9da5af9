"""Reads over the catalog's presentation table, shared by the API, the admin and other
contexts' APIs (the cart's and the orders' refuse a product not on sale at once).

With entries.py this is the catalog's published read interface.
"""

from __future__ import annotations

import functools
from collections.abc import Collection
from uuid import UUID

from django.db.models import QuerySet

from contexts.catalog.models import Product
from shop import prepared


def products(
    *, vendor_id: UUID | None = None, active: bool | None = None, search: str = ""
) -> QuerySet[Product]:
    """The catalog by name; `search` matches part of a name, in any case."""
    rows = Product.objects.all()
    if vendor_id is not None:
        rows = rows.filter(vendor_id=vendor_id)
    if active is not None:
        rows = rows.filter(active=active)
    if search.strip():
        rows = rows.filter(name__icontains=search.strip())
    return rows.order_by("name", "product_id")


def product(product_id: UUID) -> Product | None:
    return Product.objects.filter(pk=product_id).first()


UNKNOWN_PRODUCT = "No such product in the catalog."
DISCONTINUED_PRODUCT = "Discontinued: no longer for sale."


def not_on_sale(product_ids: Collection[UUID]) -> dict[UUID, str]:
    """Why each of these products cannot be ordered, as the catalog reads now; those on
    sale are absent. A request is refused at once with these reasons; the command's own
    check, in the executor, still decides a product discontinued meanwhile."""
    ids = list(dict.fromkeys(product_ids))
    if not ids:
        return {}
    by_slot = {f"p{n}": product_id for n, product_id in enumerate(ids)}
    active = dict(_catalog_state(len(ids)).rows(**by_slot))
    return {
        product_id: DISCONTINUED_PRODUCT if product_id in active else UNKNOWN_PRODUCT
        for product_id in product_ids
        if not active.get(product_id, False)
    }


@functools.cache
def _catalog_state(count: int) -> prepared.Prepared:
    """`not_on_sale`'s read of `count` products, prepared once per count: every order
    placed runs it."""
    return prepared.Prepared(
        lambda **ids: Product.objects.filter(pk__in=ids.values()).values_list("pk", "active"),
        *(prepared.identifier(f"p{n}") for n in range(count)),
    )
