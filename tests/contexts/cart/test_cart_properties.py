"""Any sequence of cart commands, against any catalog, keeps the cart's invariants."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import replace
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from contexts.cart.domain import (
    AddItem,
    AdjustQuantity,
    Cart,
    CartCheckedOut,
    CartError,
    CheckOut,
    RemoveItem,
    decide,
    evolve,
)
from contexts.catalog.domain import CatalogEntry
from contexts.shared.values import MAX_QUANTITY, Address, money

CART = uuid.UUID(int=1)
OWNER, STRANGER = uuid.UUID(int=10), uuid.UUID(int=11)
VENDOR = uuid.UUID(int=50)
PRODUCTS = [uuid.UUID(int=100 + n) for n in range(3)]
UNKNOWN = uuid.UUID(int=999)
HOME = Address("Alice", "1 Main St", "Springfield", "12345", "US")
AT = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)

prices = st.decimals(Decimal("0.01"), Decimal("999.99"), places=2)
mostly_active = st.sampled_from([True, True, True, False])


def catalog_entry(product: uuid.UUID) -> st.SearchStrategy[CatalogEntry]:
    name = f"Product {PRODUCTS.index(product)}"
    return st.builds(CatalogEntry, st.just(product), st.just(VENDOR), st.just(name), prices,
                     mostly_active)  # fmt: skip


catalogs = st.fixed_dictionaries({product: catalog_entry(product) for product in PRODUCTS})
KINDS = ("add", "add", "adjust", "remove", "check out")
ANY_PRODUCT = [*PRODUCTS, UNKNOWN]

# A step names its product by a pick: low picks aim at the cart's own lines, so removals
# and adjustments mostly find something; the rest range over the catalog and beyond.
steps = st.tuples(
    st.sampled_from(KINDS),
    st.sampled_from([OWNER] * 7 + [STRANGER]),
    st.integers(0, 7),
    st.integers(1, 5) | st.integers(-3, 3) | st.integers(995, 1005),
)


def command(cart: Cart, step: tuple[str, uuid.UUID, int, int]) -> object:
    """The step as a command; `with_catalog` then fills its catalog, as the handler would."""
    kind, customer, pick, quantity = step
    in_cart = [line.product_id for line in cart.lines]
    aimed = in_cart and pick < len(ANY_PRODUCT)
    product = in_cart[pick % len(in_cart)] if aimed else ANY_PRODUCT[pick % len(ANY_PRODUCT)]
    match kind:
        case "add":
            return AddItem(CART, customer, product, quantity)
        case "adjust":
            return AdjustQuantity(CART, customer, product, quantity)
        case "remove":
            return RemoveItem(CART, customer, product)
    return CheckOut(CART, customer, uuid.UUID(int=pick), HOME, AT)


def with_catalog(command: object, catalog: dict[uuid.UUID, CatalogEntry]) -> object:
    if isinstance(command, AddItem):
        return replace(command, catalog=catalog.get(command.product_id))
    if isinstance(command, CheckOut):
        return replace(command, catalog=tuple(catalog.values()))
    return command


def accepted(quantities: dict[uuid.UUID, int], command: object) -> dict[uuid.UUID, int]:
    """What an accepted command does to the quantities, told plainly (the reference model)."""
    match command:
        case AddItem(product_id=product, quantity=quantity):
            return {**quantities, product: quantities.get(product, 0) + quantity}
        case AdjustQuantity(product_id=product, delta=delta) if quantities[product] + delta > 0:
            return {**quantities, product: quantities[product] + delta}
        case AdjustQuantity(product_id=product) | RemoveItem(product_id=product):
            return {p: q for p, q in quantities.items() if p != product}
    return {}  # checked out


def line_totals(lines: tuple) -> Decimal:
    return money(sum((money(line.unit_price * line.quantity) for line in lines), Decimal(0)))


def assert_invariants(cart: Cart, owner: uuid.UUID | None) -> None:
    products = [line.product_id for line in cart.lines]
    assert len(products) == len(set(products)), "one line per product"
    assert all(1 <= line.quantity <= MAX_QUANTITY for line in cart.lines)
    assert cart.total == line_totals(cart.lines)
    assert cart.customer_id == owner, "the first customer to write owns the cart for good"


def assert_checked_out(event: CartCheckedOut, cart: Cart, catalog: dict) -> None:
    """The order gets the cart's lines, each at the catalog's price now."""
    assert [(x.product_id, x.quantity) for x in event.lines] == [
        (x.product_id, x.quantity) for x in cart.lines
    ]
    assert all(x.unit_price == catalog[x.product_id].price for x in event.lines)
    assert event.total == line_totals(event.lines) > 0


@settings(max_examples=200, deadline=None)
@given(catalog=catalogs, script=st.lists(steps, min_size=5, max_size=40))
def test_any_commands_keep_the_cart_consistent(
    catalog: dict[uuid.UUID, CatalogEntry], script: list[tuple[str, uuid.UUID, int, int]]
) -> None:
    cart, owner, quantities = Cart(), None, {}
    for step in script:
        next_command = command(cart, step)
        try:
            events = decide(cart, with_catalog(next_command, catalog))
        except CartError:
            continue
        owner = owner or next_command.customer_id
        quantities = accepted(quantities, next_command)
        for event in events:
            if isinstance(event, CartCheckedOut):
                assert_checked_out(event, cart, catalog)
            cart = evolve(cart, event)
        assert_invariants(cart, owner)
        assert {line.product_id: line.quantity for line in cart.lines} == quantities
