"""The catalog: a product (stream type `sales.Product`), its commands, events, state, a
`decide` that raises `CatalogError` to reject and an `evolve` that never fails; and the
`CatalogEntry` other contexts' commands are priced from. Standard library only.

The catalog was part of sales: its streams, events and commands keep their stored
`sales.` names (see handlers.py).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from uuid import UUID

from contexts.shared.values import money

PRODUCT_STREAM = "sales.Product"
MAX_PRICE = Decimal("1000000000.00")
"""A unit price cap, so that an order's total always fits the money columns (21 digits)."""


class CatalogError(Exception):
    """A catalog command refused, with the reason a person can act on."""


@dataclass(frozen=True)
class CreateProduct:
    product_id: UUID
    vendor_id: UUID
    name: str
    price: Decimal


@dataclass(frozen=True)
class ChangeProductPrice:
    product_id: UUID
    price: Decimal


@dataclass(frozen=True)
class DiscontinueProduct:
    product_id: UUID


@dataclass(frozen=True)
class ProductCreated:
    product_id: UUID
    vendor_id: UUID
    name: str
    price: Decimal


@dataclass(frozen=True)
class ProductPriceChanged:
    product_id: UUID
    price: Decimal


@dataclass(frozen=True)
class ProductDiscontinued:
    product_id: UUID


@dataclass(frozen=True)
class CatalogEntry:
    """What the catalog says about a product at the moment a command runs: the published
    shape other contexts price from (see entries.py)."""

    product_id: UUID
    vendor_id: UUID
    name: str
    price: Decimal
    active: bool


@dataclass(frozen=True)
class Product:
    exists: bool = False
    vendor_id: UUID | None = None
    name: str = ""
    price: Decimal = Decimal("0.00")
    active: bool = False


def evolve(state: Product, event: object) -> Product:
    match event:
        case ProductCreated(vendor_id=vendor_id, name=name, price=price):
            return Product(True, vendor_id, name, price, active=True)
        case ProductPriceChanged(price=price):
            return replace(state, price=price)
        case ProductDiscontinued():
            return replace(state, active=False)
    return state


def decide(state: Product, command: object) -> list[object]:
    match command:
        case CreateProduct(product_id=product_id, vendor_id=vendor_id, name=name, price=price):
            if state.exists:
                raise CatalogError("the product already exists")
            if not name.strip():
                raise CatalogError("a product needs a name")
            return [ProductCreated(product_id, vendor_id, name.strip(), _positive_price(price))]
        case ChangeProductPrice(product_id=product_id, price=price):
            _require_active(state)
            return [ProductPriceChanged(product_id, _positive_price(price))]
        case DiscontinueProduct(product_id=product_id):
            _require_active(state)
            return [ProductDiscontinued(product_id)]
    raise CatalogError(f"products do not take {type(command).__name__}")


def _positive_price(price: Decimal) -> Decimal:
    """Rounded first, so that 0.004 is refused rather than stored as a price of 0.00."""
    if not price.is_finite() or money(price) <= 0:
        raise CatalogError("the price must be greater than 0")
    if price > MAX_PRICE:
        raise CatalogError(f"the price must be at most {MAX_PRICE}")
    return money(price)


def _require_active(state: Product) -> None:
    if not state.exists:
        raise CatalogError("no such product")
    if not state.active:
        raise CatalogError("the product is discontinued")
