"""The cart's decisions, pure: given events, when a command, then events or a rejection."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import replace
from decimal import Decimal
from functools import reduce

import pytest

from contexts.cart.domain import (
    AddItem,
    AdjustQuantity,
    Cart,
    CartCheckedOut,
    CartError,
    CartItemAdded,
    CartItemQuantityChanged,
    CartItemRemoved,
    CartLine,
    CheckOut,
    CheckoutFailed,
    RemoveItem,
    RestoreCheckout,
    decide,
    evolve,
)
from contexts.catalog.domain import CatalogEntry
from contexts.shared.values import Address

CART = uuid.UUID("00000000-0000-0000-0000-00000000ca01")
ALICE = uuid.UUID("00000000-0000-0000-0000-0000000a11ce")
BOB = uuid.UUID("00000000-0000-0000-0000-000000000b0b")
VENDOR = uuid.UUID("00000000-0000-0000-0000-0000000000e1")
TEA = uuid.UUID("00000000-0000-0000-0000-0000000000a1")
MUG = uuid.UUID("00000000-0000-0000-0000-0000000000a2")
ORDER = uuid.UUID("00000000-0000-0000-0000-0000000000d1")
AT = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
HOME = Address("Alice", "1 Main St", "Springfield", "12345", "US")

TEA_ENTRY = CatalogEntry(TEA, VENDOR, "Tea", Decimal("4.50"), active=True)
MUG_ENTRY = CatalogEntry(MUG, VENDOR, "Mug", Decimal("9.99"), active=True)


def given(*events: object) -> Cart:
    return reduce(evolve, events, Cart())


def tea_added(quantity: int, customer: uuid.UUID = ALICE) -> CartItemAdded:
    return CartItemAdded(CART, customer, TEA, VENDOR, "Tea", Decimal("4.50"), quantity)


def mug_added(quantity: int) -> CartItemAdded:
    return CartItemAdded(CART, ALICE, MUG, VENDOR, "Mug", Decimal("9.99"), quantity)


def add(entry: CatalogEntry | None, quantity: int, customer: uuid.UUID = ALICE) -> AddItem:
    product = entry.product_id if entry else uuid.UUID(int=404)
    return AddItem(CART, customer, product, quantity, entry)


def check_out(*catalog: CatalogEntry, customer: uuid.UUID = ALICE) -> CheckOut:
    return CheckOut(CART, customer, ORDER, HOME, AT, catalog)


def rejected(state: Cart, command: object) -> str:
    with pytest.raises(CartError) as raised:
        decide(state, command)
    return str(raised.value)


# --- AddItem -------------------------------------------------------------------------


def test_adding_to_a_new_cart_takes_name_vendor_and_price_from_the_catalog() -> None:
    assert decide(given(), add(TEA_ENTRY, 2)) == [tea_added(2)]


def test_the_first_customer_to_add_owns_the_cart() -> None:
    assert given(tea_added(2)).customer_id == ALICE


def test_adding_a_product_already_in_the_cart_raises_its_quantity() -> None:
    state = given(tea_added(2), mug_added(1))

    events = decide(state, add(TEA_ENTRY, 3))

    assert events == [tea_added(3)]
    assert given(tea_added(2), mug_added(1), *events).lines == (
        CartLine(TEA, VENDOR, "Tea", Decimal("4.50"), 5),
        CartLine(MUG, VENDOR, "Mug", Decimal("9.99"), 1),
    )


def test_adding_again_at_a_new_price_reprices_the_line() -> None:
    dearer = CatalogEntry(TEA, VENDOR, "Tea", Decimal("5.00"), active=True)

    [event] = decide(given(tea_added(2)), add(dearer, 1))

    assert given(tea_added(2), event).lines == (CartLine(TEA, VENDOR, "Tea", Decimal("5.00"), 3),)


def test_adding_to_another_customers_cart_is_rejected() -> None:
    assert rejected(given(tea_added(1)), add(MUG_ENTRY, 1, customer=BOB)) == (
        "this cart belongs to another customer"
    )


def test_adding_an_unknown_product_is_rejected() -> None:
    assert rejected(given(), add(None, 1)) == (
        "no product 00000000-0000-0000-0000-000000000194 in the catalog"
    )


def test_adding_a_discontinued_product_is_rejected() -> None:
    gone = CatalogEntry(TEA, VENDOR, "Tea", Decimal("4.50"), active=False)

    assert rejected(given(), add(gone, 1)) == "Tea is discontinued"


@pytest.mark.parametrize("quantity", [0, -1])
def test_adding_less_than_one_is_rejected(quantity: int) -> None:
    assert rejected(given(), add(TEA_ENTRY, quantity)) == "the quantity must be at least 1"


def test_adding_a_thousand_at_once_is_accepted() -> None:
    assert decide(given(), add(TEA_ENTRY, 1000)) == [tea_added(1000)]


def test_adding_above_a_thousand_is_rejected() -> None:
    assert rejected(given(), add(TEA_ENTRY, 1001)) == "at most 1000 of Tea fit in one cart"


def test_adding_that_takes_a_line_above_a_thousand_is_rejected() -> None:
    assert rejected(given(tea_added(600)), add(TEA_ENTRY, 401)) == (
        "at most 1000 of Tea fit in one cart"
    )


# --- RemoveItem ----------------------------------------------------------------------


def test_removing_a_line() -> None:
    state = given(tea_added(2), mug_added(1))

    events = decide(state, RemoveItem(CART, ALICE, TEA))

    assert events == [CartItemRemoved(CART, TEA)]
    assert given(tea_added(2), mug_added(1), *events).lines == (
        CartLine(MUG, VENDOR, "Mug", Decimal("9.99"), 1),
    )


def test_removing_a_product_not_in_the_cart_is_rejected() -> None:
    assert rejected(given(tea_added(1)), RemoveItem(CART, ALICE, MUG)) == (
        "that product is not in the cart"
    )


def test_removing_from_another_customers_cart_is_rejected() -> None:
    assert rejected(given(tea_added(1)), RemoveItem(CART, BOB, TEA)) == (
        "this cart belongs to another customer"
    )


# --- AdjustQuantity ------------------------------------------------------------------


@pytest.mark.parametrize(("delta", "quantity"), [(3, 5), (-1, 1), (998, 1000)])
def test_adjusting_sets_the_new_quantity(delta: int, quantity: int) -> None:
    assert decide(given(tea_added(2)), AdjustQuantity(CART, ALICE, TEA, delta)) == [
        CartItemQuantityChanged(CART, TEA, quantity)
    ]


@pytest.mark.parametrize("delta", [-2, -5])
def test_adjusting_to_zero_or_below_removes_the_line(delta: int) -> None:
    events = decide(given(tea_added(2)), AdjustQuantity(CART, ALICE, TEA, delta))

    assert events == [CartItemRemoved(CART, TEA)]
    assert given(tea_added(2), *events).lines == ()


def test_adjusting_by_zero_is_rejected() -> None:
    assert rejected(given(tea_added(2)), AdjustQuantity(CART, ALICE, TEA, 0)) == (
        "a quantity change of 0 changes nothing"
    )


def test_adjusting_a_product_not_in_the_cart_is_rejected() -> None:
    assert rejected(given(tea_added(2)), AdjustQuantity(CART, ALICE, MUG, 1)) == (
        "that product is not in the cart"
    )


def test_adjusting_above_a_thousand_is_rejected() -> None:
    assert rejected(given(tea_added(2)), AdjustQuantity(CART, ALICE, TEA, 999)) == (
        "at most 1000 of Tea fit in one cart"
    )


def test_adjusting_another_customers_cart_is_rejected() -> None:
    assert rejected(given(tea_added(2)), AdjustQuantity(CART, BOB, TEA, 1)) == (
        "this cart belongs to another customer"
    )


# --- CheckOut ------------------------------------------------------------------------


def test_checking_out_prices_the_lines_from_the_catalog_now() -> None:
    dearer_tea = CatalogEntry(TEA, VENDOR, "Green tea", Decimal("5.25"), active=True)

    events = decide(given(tea_added(3), mug_added(2)), check_out(MUG_ENTRY, dearer_tea))

    assert events == [
        CartCheckedOut(
            CART,
            ALICE,
            ORDER,
            (
                CartLine(TEA, VENDOR, "Green tea", Decimal("5.25"), 3),
                CartLine(MUG, VENDOR, "Mug", Decimal("9.99"), 2),
            ),
            Decimal("35.73"),
            HOME,
            AT,
        )
    ]


def test_checking_out_empties_the_cart_and_leaves_it_to_its_customer() -> None:
    history = (tea_added(1), *decide(given(tea_added(1)), check_out(TEA_ENTRY)))

    after = given(*history)

    assert (after.customer_id, after.lines, after.total) == (ALICE, (), Decimal("0.00"))
    assert decide(after, add(MUG_ENTRY, 1)) == [mug_added(1)]
    assert rejected(after, add(MUG_ENTRY, 1, customer=BOB)) == (
        "this cart belongs to another customer"
    )


def test_checking_out_an_empty_cart_is_rejected() -> None:
    assert rejected(given(), check_out()) == "an empty cart cannot check out"


def test_checking_out_a_cart_whose_lines_were_all_removed_is_rejected() -> None:
    state = given(tea_added(1), CartItemRemoved(CART, TEA))

    assert rejected(state, check_out(TEA_ENTRY)) == "an empty cart cannot check out"


def test_checking_out_with_a_discontinued_product_is_rejected() -> None:
    gone = CatalogEntry(TEA, VENDOR, "Tea", Decimal("4.50"), active=False)

    assert rejected(given(tea_added(1), mug_added(1)), check_out(gone, MUG_ENTRY)) == (
        "Tea is discontinued; remove it to check out"
    )


def test_checking_out_a_product_missing_from_the_catalog_is_rejected() -> None:
    assert rejected(given(tea_added(1), mug_added(1)), check_out(MUG_ENTRY)) == (
        "Tea is discontinued; remove it to check out"
    )


def test_checking_out_another_customers_cart_is_rejected() -> None:
    assert rejected(given(tea_added(1)), check_out(TEA_ENTRY, customer=BOB)) == (
        "this cart belongs to another customer"
    )


# --- RestoreCheckout -----------------------------------------------------------------

REASON = "Tea is discontinued"
TEA_LINE = CartLine(TEA, VENDOR, "Tea", Decimal("4.50"), 3)
MUG_LINE = CartLine(MUG, VENDOR, "Mug", Decimal("9.99"), 2)
CHECKED_OUT = CartCheckedOut(
    CART, ALICE, ORDER, (TEA_LINE, MUG_LINE), Decimal("33.48"), HOME, AT
)  # fmt: skip


def restore(order: uuid.UUID = ORDER, customer: uuid.UUID = ALICE) -> RestoreCheckout:
    return RestoreCheckout(CART, customer, order, REASON)


def test_a_rejected_checkout_gets_its_lines_back_with_the_reason() -> None:
    state = given(tea_added(3), mug_added(2), CHECKED_OUT)

    events = decide(state, restore())

    assert events == [CheckoutFailed(CART, ORDER, REASON), tea_added(3), mug_added(2)]
    assert given(tea_added(3), mug_added(2), CHECKED_OUT, *events) == Cart(
        ALICE, (TEA_LINE, MUG_LINE)
    )


def test_restored_lines_add_to_what_was_put_in_since_up_to_what_a_cart_holds() -> None:
    history = (tea_added(3), mug_added(2), CHECKED_OUT, mug_added(1), tea_added(999))

    events = decide(given(*history), restore())

    assert events == [CheckoutFailed(CART, ORDER, REASON), tea_added(1), mug_added(2)]
    assert given(*history, *events).lines == (
        replace(MUG_LINE, quantity=3),
        replace(TEA_LINE, quantity=1000),
    )


def test_a_checkout_is_restored_once() -> None:
    history = (tea_added(3), mug_added(2), CHECKED_OUT)
    restored = given(*history, *decide(given(*history), restore()))

    assert rejected(restored, restore()) == f"no checkout of this cart awaits order {ORDER}"


def test_restoring_a_checkout_the_cart_never_made_is_rejected() -> None:
    other_order = uuid.UUID(int=7)

    assert rejected(given(tea_added(3), mug_added(2), CHECKED_OUT), restore(other_order)) == (
        f"no checkout of this cart awaits order {other_order}"
    )
    assert rejected(given(tea_added(1)), restore()) == (
        f"no checkout of this cart awaits order {ORDER}"
    )


def test_restoring_into_another_customers_cart_is_rejected() -> None:
    assert rejected(given(tea_added(3), mug_added(2), CHECKED_OUT), restore(customer=BOB)) == (
        "this cart belongs to another customer"
    )


def test_a_cart_refuses_commands_of_other_contexts() -> None:
    class Unrelated:
        customer_id = ALICE

    assert rejected(given(), Unrelated()) == "carts do not take Unrelated"
