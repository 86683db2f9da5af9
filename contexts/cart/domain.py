"""Shopping carts (stream type `cart.Cart`). Standard library only.

A cart belongs to the customer who first writes to it. Names, vendors and prices come
from the catalog: the handler fills `catalog` from the products' events before `decide`.

A checkout empties the cart, and the cart remembers what it checked out: should the
order then be rejected (a product discontinued meanwhile), the ordering process restores
the lines (`RestoreCheckout`), so the customer loses nothing and sees why.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from decimal import Decimal
from uuid import UUID

from contexts.catalog.domain import CatalogEntry
from contexts.shared.values import MAX_QUANTITY, Address, money


class CartError(Exception):
    """A cart command refused, with the reason a person can act on."""


@dataclass(frozen=True)
class CartLine:
    product_id: UUID
    vendor_id: UUID
    name: str
    unit_price: Decimal
    quantity: int

    @property
    def line_total(self) -> Decimal:
        return money(self.unit_price * self.quantity)


@dataclass(frozen=True)
class AddItem:
    cart_id: UUID
    customer_id: UUID
    product_id: UUID
    quantity: int
    catalog: CatalogEntry | None = None


@dataclass(frozen=True)
class RemoveItem:
    cart_id: UUID
    customer_id: UUID
    product_id: UUID


@dataclass(frozen=True)
class AdjustQuantity:
    cart_id: UUID
    customer_id: UUID
    product_id: UUID
    delta: int


@dataclass(frozen=True)
class CheckOut:
    cart_id: UUID
    customer_id: UUID
    order_id: UUID
    shipping_address: Address
    at: dt.datetime
    catalog: tuple[CatalogEntry, ...] = ()


@dataclass(frozen=True)
class RestoreCheckout:
    """Put a checkout's lines back: its order was rejected for `reason`. Submitted by the
    ordering process (receptor `cart.checkouts`), never by a client."""

    cart_id: UUID
    customer_id: UUID
    order_id: UUID
    reason: str


@dataclass(frozen=True)
class CartItemAdded:
    cart_id: UUID
    customer_id: UUID
    product_id: UUID
    vendor_id: UUID
    name: str
    unit_price: Decimal
    quantity: int


@dataclass(frozen=True)
class CartItemRemoved:
    cart_id: UUID
    product_id: UUID


@dataclass(frozen=True)
class CartItemQuantityChanged:
    cart_id: UUID
    product_id: UUID
    quantity: int


@dataclass(frozen=True)
class CartCheckedOut:
    cart_id: UUID
    customer_id: UUID
    order_id: UUID
    lines: tuple[CartLine, ...]
    total: Decimal
    shipping_address: Address
    at: dt.datetime


@dataclass(frozen=True)
class CheckoutFailed:
    """The order of a checkout was rejected; `CartItemAdded` events that follow it in the
    same decision put its lines back."""

    cart_id: UUID
    order_id: UUID
    reason: str


@dataclass(frozen=True)
class Checkout:
    """A checkout's order and the lines it took, kept until the order is rejected."""

    order_id: UUID
    lines: tuple[CartLine, ...]


@dataclass(frozen=True)
class Cart:
    customer_id: UUID | None = None
    lines: tuple[CartLine, ...] = ()
    checkouts: tuple[Checkout, ...] = ()

    def line(self, product_id: UUID) -> CartLine | None:
        return next((line for line in self.lines if line.product_id == product_id), None)

    @property
    def total(self) -> Decimal:
        return money(sum((line.line_total for line in self.lines), Decimal(0)))


def evolve(state: Cart, event: object) -> Cart:
    match event:
        case CartItemAdded(product_id=product_id, quantity=quantity):
            existing = state.line(product_id)
            line = CartLine(
                product_id, event.vendor_id, event.name, event.unit_price,
                quantity + (existing.quantity if existing else 0),
            )  # fmt: skip
            return replace(state, customer_id=event.customer_id, lines=_put(state.lines, line))
        case CartItemQuantityChanged(product_id=product_id, quantity=quantity):
            line = replace(state.line(product_id), quantity=quantity)
            return replace(state, lines=_put(state.lines, line))
        case CartItemRemoved(product_id=product_id):
            return replace(state, lines=tuple(x for x in state.lines if x.product_id != product_id))
        case CartCheckedOut(order_id=order_id, lines=lines):
            return replace(state, lines=(), checkouts=(*state.checkouts, Checkout(order_id, lines)))
        case CheckoutFailed(order_id=order_id):
            kept = tuple(x for x in state.checkouts if x.order_id != order_id)
            return replace(state, checkouts=kept)
    return state


def _put(lines: tuple[CartLine, ...], line: CartLine) -> tuple[CartLine, ...]:
    """Replace the product's line in place, or append it: lines keep the order added."""
    if any(x.product_id == line.product_id for x in lines):
        return tuple(line if x.product_id == line.product_id else x for x in lines)
    return (*lines, line)


def decide(state: Cart, command: object) -> list[object]:
    if state.customer_id is not None and command.customer_id != state.customer_id:
        raise CartError("this cart belongs to another customer")
    match command:
        case AddItem():
            return [_add(state, command)]
        case RemoveItem(cart_id=cart_id, product_id=product_id):
            _require_line(state, product_id)
            return [CartItemRemoved(cart_id, product_id)]
        case AdjustQuantity(cart_id=cart_id, product_id=product_id, delta=delta):
            line = _require_line(state, product_id)
            if delta == 0:
                raise CartError("a quantity change of 0 changes nothing")
            quantity = line.quantity + delta
            if quantity <= 0:
                return [CartItemRemoved(cart_id, product_id)]
            _check_quantity(quantity, line.name)
            return [CartItemQuantityChanged(cart_id, product_id, quantity)]
        case CheckOut():
            return [_check_out(state, command)]
        case RestoreCheckout():
            return _restore(state, command)
    raise CartError(f"carts do not take {type(command).__name__}")


def _add(state: Cart, command: AddItem) -> CartItemAdded:
    entry = command.catalog
    if entry is None:
        raise CartError(f"no product {command.product_id} in the catalog")
    if not entry.active:
        raise CartError(f"{entry.name} is discontinued")
    if command.quantity < 1:
        raise CartError("the quantity must be at least 1")
    existing = state.line(command.product_id)
    _check_quantity(command.quantity + (existing.quantity if existing else 0), entry.name)
    return CartItemAdded(
        command.cart_id, command.customer_id, entry.product_id, entry.vendor_id,
        entry.name, entry.price, command.quantity,
    )  # fmt: skip


def _check_out(state: Cart, command: CheckOut) -> CartCheckedOut:
    if not state.lines:
        raise CartError("an empty cart cannot check out")
    catalog = {entry.product_id: entry for entry in command.catalog}
    lines = []
    for line in state.lines:
        entry = catalog.get(line.product_id)
        if entry is None or not entry.active:
            raise CartError(f"{line.name} is discontinued; remove it to check out")
        lines.append(replace(line, name=entry.name, unit_price=entry.price))
    total = money(sum((line.line_total for line in lines), Decimal(0)))
    return CartCheckedOut(
        command.cart_id, command.customer_id, command.order_id, tuple(lines), total,
        command.shipping_address, command.at,
    )  # fmt: skip


def _restore(state: Cart, command: RestoreCheckout) -> list[object]:
    """The checkout's lines back in the cart, each added to what the customer has put in
    since, up to the quantity a cart holds."""
    checkout = next((x for x in state.checkouts if x.order_id == command.order_id), None)
    if checkout is None:
        raise CartError(f"no checkout of this cart awaits order {command.order_id}")
    events: list[object] = [CheckoutFailed(command.cart_id, command.order_id, command.reason)]
    for line in checkout.lines:
        existing = state.line(line.product_id)
        room = MAX_QUANTITY - (existing.quantity if existing else 0)
        if room > 0:
            events.append(
                CartItemAdded(
                    command.cart_id, command.customer_id, line.product_id, line.vendor_id,
                    line.name, line.unit_price, min(line.quantity, room),
                )
            )  # fmt: skip
    return events


def _require_line(state: Cart, product_id: UUID) -> CartLine:
    line = state.line(product_id)
    if line is None:
        raise CartError("that product is not in the cart")
    return line


def _check_quantity(quantity: int, name: str) -> None:
    if quantity > MAX_QUANTITY:
        raise CartError(f"at most {MAX_QUANTITY} of {name} fit in one cart")
