"""Reads over the cart view, shared by the API and the admin."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID

from contexts.cart.models import Cart, CartLine


@dataclass(frozen=True)
class CartViewLine:
    product_id: UUID
    vendor_id: UUID
    name: str
    unit_price: Decimal
    quantity: int
    line_total: Decimal


@dataclass(frozen=True)
class CheckoutRefusal:
    """The order of the cart's last checkout, rejected, and why; its lines are back."""

    order_id: UUID
    reason: str


@dataclass(frozen=True)
class CartView:
    """A cart as last baked; `version` is the cart stream's version it reflects."""

    cart_id: UUID
    customer_id: UUID
    lines: tuple[CartViewLine, ...]
    total: Decimal
    version: int
    updated_at: dt.datetime
    refusal: CheckoutRefusal | None = None


def cart_view(cart_id: UUID) -> CartView | None:
    """The cart with its lines in the order they were added; None if nothing was baked."""
    cart = Cart.objects.filter(cart_id=cart_id).first()
    if cart is None:
        return None
    lines = CartLine.objects.filter(cart_id=cart_id).order_by("position")
    return CartView(
        cart.cart_id,
        cart.customer_id,
        tuple(_line(line) for line in lines),
        cart.total,
        cart.version,
        cart.updated_at,
        CheckoutRefusal(cart.refused_order_id, cart.refusal) if cart.refused_order_id else None,
    )


def _line(line: CartLine) -> CartViewLine:
    return CartViewLine(
        line.product_id, line.vendor_id, line.name, line.unit_price, line.quantity, line.line_total
    )


def owner_of(cart_id: UUID) -> UUID | None:
    """The customer who first wrote to the cart; None while nobody has (or it is not baked).

    The API answers 404 to anyone else, so a cart's existence never leaks to strangers.
    """
    return Cart.objects.filter(cart_id=cart_id).values_list("customer_id", flat=True).first()
