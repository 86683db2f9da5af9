"""Registers the cart's events and commands with the event store.

Names, vendors and prices never come from the client: they are read from the products'
own events (the catalog's published entries) while the command executes, and whatever
`catalog` a client sent is replaced.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from uuid import UUID

from django.db import transaction

from contexts.cart import domain
from contexts.catalog.domain import CatalogEntry
from contexts.catalog.entries import catalog_entries
from eventstore.commands import Aggregate, commands
from eventstore.registry import registry

EVENTS = {
    "cart.CartItemAdded": domain.CartItemAdded,
    "cart.CartItemRemoved": domain.CartItemRemoved,
    "cart.CartItemQuantityChanged": domain.CartItemQuantityChanged,
    "cart.CartCheckedOut": domain.CartCheckedOut,
    "cart.CheckoutFailed": domain.CheckoutFailed,
}

COMMANDS = {
    "cart.AddItem": domain.AddItem,
    "cart.RemoveItem": domain.RemoveItem,
    "cart.AdjustQuantity": domain.AdjustQuantity,
    "cart.CheckOut": domain.CheckOut,
    "cart.RestoreCheckout": domain.RestoreCheckout,
}


def catalog(product_ids: Iterable[UUID]) -> dict[UUID, CatalogEntry]:
    """What the catalog says now about each product that exists, by id."""
    return {entry.product_id: entry for entry in catalog_entries(product_ids)}


def price_item(command: domain.AddItem) -> domain.AddItem:
    """The catalog's entry for the product to add; None when no such product exists."""
    return replace(command, catalog=catalog([command.product_id]).get(command.product_id))


def decide_check_out(state: domain.Cart, command: domain.CheckOut) -> list[object]:
    """Price every line of the cart from the catalog, then decide.

    This lookup cannot be a `prepare`: prepare sees only the command, and the cart's
    lines are known only from the state the executor folded, which includes the commands
    decided earlier in the same batch (an item added just before checking out is not in
    the event store yet). The savepoint keeps a failed read from aborting the batch.
    """
    with transaction.atomic():
        entries = catalog(line.product_id for line in state.lines)
    return domain.decide(state, replace(command, catalog=tuple(entries.values())))


CART = Aggregate(
    stream_type="cart.Cart",
    stream_of=lambda command: command.cart_id,
    initial_state=domain.Cart,
    evolve=domain.evolve,
    decide=domain.decide,
    rejection=domain.CartError,
)

OPTIONS = {
    domain.AddItem: {"prepare": price_item},
    domain.CheckOut: {"decide": decide_check_out, "reads_store": True},
}
"""What sets a command apart from the cart's others: how it reads the catalog."""


for name, cls in EVENTS.items():
    registry.register(name, cls)
commands.register_aggregate(CART, COMMANDS, OPTIONS)
