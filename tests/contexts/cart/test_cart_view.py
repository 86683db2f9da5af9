"""Cart commands through the real executor and the cart baker, on the real Postgres.

Products are appended straight to their `sales.Product` streams: the cart only reads
the catalog's published events, so that is all a test needs of the catalog.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest

from contexts.cart.domain import (
    AddItem,
    AdjustQuantity,
    CartCheckedOut,
    CartItemAdded,
    CartLine,
    CheckOut,
    CheckoutFailed,
    RemoveItem,
    RestoreCheckout,
)
from contexts.cart.models import Cart
from contexts.cart.models import CartLine as CartLineRow
from contexts.cart.queries import CartView, CartViewLine, CheckoutRefusal, cart_view, owner_of
from contexts.catalog.domain import (
    PRODUCT_STREAM,
    CatalogEntry,
    ProductCreated,
    ProductDiscontinued,
    ProductPriceChanged,
)
from contexts.shared.values import Address
from eventstore.executor import Executor
from eventstore.inbox import submit
from eventstore.models import Command
from eventstore.store import ExpectedVersion, Metadata, store
from eventstore.subscribers import Runner, registry

pytestmark = pytest.mark.django_db

VENDOR = uuid.UUID("00000000-0000-0000-0000-0000000000e1")
HOME = Address("Alice", "1 Main St", "Springfield", "12345", "US")
AT = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)


def product(name: str, price: str) -> uuid.UUID:
    product_id = uuid.uuid4()
    created = ProductCreated(product_id, VENDOR, name, Decimal(price))
    _append(product_id, created, ExpectedVersion.NO_STREAM)
    return product_id


def change_price(product_id: uuid.UUID, price: str) -> None:
    _append(product_id, ProductPriceChanged(product_id, Decimal(price)), ExpectedVersion.ANY)


def discontinue(product_id: uuid.UUID) -> None:
    _append(product_id, ProductDiscontinued(product_id), ExpectedVersion.ANY)


def _append(product_id: uuid.UUID, event: object, expected: int) -> None:
    store.append(product_id, PRODUCT_STREAM, [event], expected, Metadata(actor="test"))


def send(*commands: object) -> list[uuid.UUID]:
    """Submit the commands as their customer, then execute them and bake the cart view."""
    ids = [submit(c, actor=f"customer:{c.customer_id}").command_id for c in commands]
    Executor().run()
    Runner(registry.named("cart.carts")).catch_up()
    return ids


def outcomes(ids: list[uuid.UUID]) -> list[tuple[str, str | None]]:
    found = {c.id: c for c in Command.objects.filter(id__in=ids)}
    return [(found[i].status, (found[i].error or {}).get("detail")) for i in ids]


def cart_row(cart: uuid.UUID) -> tuple:
    fields = ("cart_id", "customer_id", "total", "version", "updated_at")
    return Cart.objects.values_list(*fields).get(cart_id=cart)


def refusal_row(cart: uuid.UUID) -> tuple:
    return Cart.objects.values_list("refused_order_id", "refusal").get(cart_id=cart)


def line_rows(cart: uuid.UUID) -> list[tuple]:
    return list(CartLineRow.objects.filter(cart_id=cart).order_by("position").values_list())


def test_adding_adjusting_and_removing_bake_exact_rows() -> None:
    tea, mug, pot = product("Tea", "4.50"), product("Mug", "9.99"), product("Pot", "30.00")
    cart, alice = uuid.uuid4(), uuid.uuid4()

    ids = send(
        AddItem(cart, alice, tea, 2),
        AddItem(cart, alice, mug, 1),
        AddItem(cart, alice, tea, 3),
        AddItem(cart, alice, pot, 1),
        AdjustQuantity(cart, alice, mug, 2),
        RemoveItem(cart, alice, pot),
    )

    assert outcomes(ids) == [("done", None)] * 6
    events = store.read_stream(cart)
    assert cart_row(cart) == (cart, alice, Decimal("52.47"), 6, events[-1].recorded_at)
    assert line_rows(cart) == [
        (events[0].position, cart, tea, VENDOR, "Tea", Decimal("4.50"), 5, Decimal("22.50")),
        (events[1].position, cart, mug, VENDOR, "Mug", Decimal("9.99"), 3, Decimal("29.97")),
    ]
    assert cart_view(cart) == CartView(
        cart,
        alice,
        (
            CartViewLine(tea, VENDOR, "Tea", Decimal("4.50"), 5, Decimal("22.50")),
            CartViewLine(mug, VENDOR, "Mug", Decimal("9.99"), 3, Decimal("29.97")),
        ),
        Decimal("52.47"),
        6,
        events[-1].recorded_at,
    )


def test_checking_out_reprices_from_the_catalog_and_leaves_an_empty_cart_to_reuse() -> None:
    tea, mug = product("Tea", "4.50"), product("Mug", "9.99")
    cart, alice, order = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    send(AddItem(cart, alice, tea, 2), AddItem(cart, alice, mug, 1))
    change_price(tea, "5.00")

    [checked_out] = send(CheckOut(cart, alice, order, HOME, AT))

    assert outcomes([checked_out]) == [("done", None)]
    event = store.read_stream(cart)[-1]
    assert event.data == CartCheckedOut(
        cart,
        alice,
        order,
        (
            CartLine(tea, VENDOR, "Tea", Decimal("5.00"), 2),
            CartLine(mug, VENDOR, "Mug", Decimal("9.99"), 1),
        ),
        Decimal("19.99"),
        HOME,
        AT,
    )
    assert cart_row(cart) == (cart, alice, Decimal("0.00"), 3, event.recorded_at)
    assert line_rows(cart) == []

    send(AddItem(cart, alice, mug, 1))

    added = store.read_stream(cart)[-1]
    assert cart_row(cart) == (cart, alice, Decimal("9.99"), 4, added.recorded_at)
    assert line_rows(cart) == [
        (added.position, cart, mug, VENDOR, "Mug", Decimal("9.99"), 1, Decimal("9.99")),
    ]


def test_a_checkout_whose_order_was_rejected_gets_its_lines_back_and_says_why() -> None:
    """What the ordering process submits when the order is rejected (`cart.checkouts`)."""
    tea, mug = product("Tea", "4.50"), product("Mug", "9.99")
    cart, alice, order = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    send(AddItem(cart, alice, tea, 2), AddItem(cart, alice, mug, 1))
    send(CheckOut(cart, alice, order, HOME, AT))
    discontinue(tea)

    [restored] = send(RestoreCheckout(cart, alice, order, "Tea is discontinued"))

    assert outcomes([restored]) == [("done", None)]
    events = store.read_stream(cart)
    assert [e.data for e in events[3:]] == [
        CheckoutFailed(cart, order, "Tea is discontinued"),
        CartItemAdded(cart, alice, tea, VENDOR, "Tea", Decimal("4.50"), 2),
        CartItemAdded(cart, alice, mug, VENDOR, "Mug", Decimal("9.99"), 1),
    ]
    assert cart_view(cart) == CartView(
        cart, alice,
        (
            CartViewLine(tea, VENDOR, "Tea", Decimal("4.50"), 2, Decimal("9.00")),
            CartViewLine(mug, VENDOR, "Mug", Decimal("9.99"), 1, Decimal("9.99")),
        ),
        Decimal("18.99"), 6, events[-1].recorded_at,
        CheckoutRefusal(order, "Tea is discontinued"),
    )  # fmt: skip

    send(RemoveItem(cart, alice, tea), CheckOut(cart, alice, uuid.uuid4(), HOME, AT))

    assert refusal_row(cart) == (None, "")
    assert cart_view(cart).refusal is None


def test_a_checkout_is_restored_once_and_only_into_its_own_cart() -> None:
    tea = product("Tea", "4.50")
    cart, alice, bob, order = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    send(AddItem(cart, alice, tea, 2), CheckOut(cart, alice, order, HOME, AT))
    send(RestoreCheckout(cart, alice, order, "Tea is discontinued"))
    before = (cart_row(cart), refusal_row(cart), line_rows(cart))

    ids = send(
        RestoreCheckout(cart, alice, order, "Tea is discontinued"),
        RestoreCheckout(cart, bob, order, "Tea is discontinued"),
    )

    assert outcomes(ids) == [
        ("rejected", f"no checkout of this cart awaits order {order}"),
        ("rejected", "this cart belongs to another customer"),
    ]
    assert store.stream_version(cart) == 4
    assert (cart_row(cart), refusal_row(cart), line_rows(cart)) == before


def test_an_item_added_just_before_checking_out_is_checked_out() -> None:
    """Both commands run in one executor batch: the added item is not in the store yet."""
    tea = product("Tea", "4.50")
    cart, alice, order = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()

    ids = send(AddItem(cart, alice, tea, 2), CheckOut(cart, alice, order, HOME, AT))

    assert outcomes(ids) == [("done", None), ("done", None)]
    assert store.read_stream(cart)[-1].data.total == Decimal("9.00")


def test_rejected_commands_say_why_and_change_nothing() -> None:
    tea, gone = product("Tea", "4.50"), product("Gone", "1.00")
    discontinue(gone)
    cart, alice, bob, nowhere = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    send(AddItem(cart, alice, tea, 1))
    before = (cart_row(cart), line_rows(cart))

    ids = send(
        AddItem(cart, bob, tea, 1),
        AddItem(cart, alice, nowhere, 1),
        AddItem(cart, alice, gone, 1),
        AddItem(cart, alice, tea, 0),
        AddItem(cart, alice, tea, 1000),
        AdjustQuantity(cart, alice, gone, 1),
        RemoveItem(cart, bob, tea),
    )

    assert outcomes(ids) == [
        ("rejected", "this cart belongs to another customer"),
        ("rejected", f"no product {nowhere} in the catalog"),
        ("rejected", "Gone is discontinued"),
        ("rejected", "the quantity must be at least 1"),
        ("rejected", "at most 1000 of Tea fit in one cart"),
        ("rejected", "that product is not in the cart"),
        ("rejected", "this cart belongs to another customer"),
    ]
    assert store.stream_version(cart) == 1
    assert (cart_row(cart), line_rows(cart)) == before


def test_checking_out_a_product_discontinued_since_it_was_added_is_rejected() -> None:
    tea, mug = product("Tea", "4.50"), product("Mug", "9.99")
    cart, alice = uuid.uuid4(), uuid.uuid4()
    send(AddItem(cart, alice, tea, 1), AddItem(cart, alice, mug, 1))
    discontinue(tea)

    ids = send(CheckOut(cart, alice, uuid.uuid4(), HOME, AT))

    assert outcomes(ids) == [("rejected", "Tea is discontinued; remove it to check out")]
    assert store.stream_version(cart) == 2
    assert [row[2] for row in line_rows(cart)] == [tea, mug]


def test_prices_and_names_sent_by_a_client_are_ignored() -> None:
    tea = product("Tea", "4.50")
    cart, alice, other_cart = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    free_tea = CatalogEntry(tea, uuid.uuid4(), "Free tea", Decimal("0.01"), active=True)
    send(AddItem(other_cart, alice, tea, 1))

    ids = send(
        AddItem(cart, alice, tea, 1, catalog=free_tea),
        AddItem(cart, alice, other_cart, 1, catalog=free_tea),  # a cart is no product
        CheckOut(cart, alice, uuid.uuid4(), HOME, AT, catalog=(free_tea,)),
    )

    assert outcomes(ids) == [
        ("done", None),
        ("rejected", f"no product {other_cart} in the catalog"),
        ("done", None),
    ]
    [added, checked_out] = [e.data for e in store.read_stream(cart)]
    assert (added.name, added.vendor_id, added.unit_price) == ("Tea", VENDOR, Decimal("4.50"))
    assert checked_out.lines == (CartLine(tea, VENDOR, "Tea", Decimal("4.50"), 1),)


def test_a_cart_belongs_to_the_customer_who_first_wrote_to_it() -> None:
    tea = product("Tea", "4.50")
    cart, alice, bob = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()

    send(AddItem(cart, alice, tea, 1), AddItem(cart, bob, tea, 1))

    assert owner_of(cart) == alice
    assert owner_of(uuid.uuid4()) is None
    assert cart_view(uuid.uuid4()) is None
