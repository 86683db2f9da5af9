"""The cart view replayed from position 0 equals the live one, whatever the batches."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from contexts.cart.bakers import CartBaker
from contexts.cart.domain import AddItem, AdjustQuantity, CheckOut, RemoveItem, RestoreCheckout
from contexts.cart.models import Cart, CartLine
from contexts.cart.queries import cart_view
from eventstore.rebuild import rebuild, verify
from eventstore.subscribers import registry
from tests.contexts.cart.test_cart_view import AT, HOME, product, send

pytestmark = pytest.mark.django_db


class OneEventABatch(CartBaker):
    batch_size = 1


def some_activity() -> list[uuid.UUID]:
    """Lines removed and added again, checkouts and reuse, a rejected checkout's lines
    restored beside one added since, all within one baker batch."""
    tea, mug = product("Tea", "4.50"), product("Mug", "9.99")
    carts = [uuid.uuid4() for _ in range(3)]
    customers = [uuid.uuid4() for _ in carts]
    for cart, customer in zip(carts, customers, strict=True):
        send(
            AddItem(cart, customer, tea, 2),
            AddItem(cart, customer, mug, 1),
            RemoveItem(cart, customer, tea),
            AddItem(cart, customer, tea, 1),
            AdjustQuantity(cart, customer, mug, 4),
        )
    refused = uuid.uuid4()
    send(
        CheckOut(carts[0], customers[0], uuid.uuid4(), HOME, AT),
        AddItem(carts[0], customers[0], mug, 3),
        CheckOut(carts[1], customers[1], uuid.uuid4(), HOME, AT),
        CheckOut(carts[2], customers[2], refused, HOME, AT),
        AddItem(carts[2], customers[2], mug, 1),
        RestoreCheckout(carts[2], customers[2], refused, "Tea is discontinued"),
    )
    return carts


def view() -> tuple[list, list]:
    return (
        list(Cart.objects.order_by("cart_id").values_list()),
        list(CartLine.objects.order_by("position").values_list()),
    )


def test_a_replay_equals_the_live_view_batched_or_one_event_at_a_time() -> None:
    carts = some_activity()
    assert [[line.name for line in cart_view(cart).lines] for cart in carts] == [
        ["Mug"], [], ["Mug", "Tea"]
    ]  # fmt: skip

    for baker in (registry.named("cart.carts"), OneEventABatch()):
        assert [(d.table, d.equal, d.samples) for d in verify(baker)] == [
            ("cart_cart", True, []),
            ("cart_cartline", True, []),
        ]


def test_a_rebuild_restores_a_damaged_view_exactly() -> None:
    [cart, *_] = some_activity()
    expected = view()
    Cart.objects.filter(cart_id=cart).update(total=Decimal("999.00"))
    CartLine.objects.filter(cart_id=cart).delete()
    assert [(d.only_live, d.only_rebuilt) for d in verify(registry.named("cart.carts"))] == [
        (1, 1), (0, 1)
    ]  # fmt: skip

    rebuild(registry.named("cart.carts"))

    assert view() == expected
