"""What the cart shell does, without the shell: members, products by name, and commands.

The shell goes through the command inbox exactly as the REST API does: the same cart
commands, submitted as the member's actor (`customer:<pk>`) with the member's customer
id. A member's cart id is derived from their customer id, so it needs no stored state
and stays the same across sessions (a checked-out cart is empty and reusable).

Each command is waited for: a worker normally executes it and bakes the cart view
within moments; if none does within the wait, this process executes the inbox and
catches the bakers up itself, so the shell works with or without a worker running.
"""

from __future__ import annotations

import difflib
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from contexts.cart import domain as cart
from contexts.cart import queries as carts
from contexts.catalog import queries as catalog
from contexts.sales import queries as orders
from contexts.sales.management.commands.seed_demo import DEMO_PASSWORD
from contexts.shared.values import Address, derived_id, fresh_id
from eventstore.executor import Executor
from eventstore.inbox import submit
from eventstore.models import Command
from eventstore.subscribers import Runner, registry
from shop.api.auth import actor_for
from shop.api.consistency import wait_until_visible
from shop.customers import customer_id_for

CART_BAKERS = ("cart.carts",)
ORDER_CHAIN = ("sales.checkout", "sales.orders")
"""The receptor that places a checked-out cart's order, and the baker that shows it."""
INLINE_TIMEOUT = 10.0
MAX_LISTED = 12


class CartShellError(Exception):
    """Something the user asked for that cannot be done; the message says what to do."""


def default_state_file() -> Path:
    return Path(settings.BASE_DIR) / ".run" / "cart-member"


def cart_id_of(customer_id: UUID) -> UUID:
    """A member's cart: one per customer, the same in every session."""
    return derived_id("cart", customer_id)


def demo_address(name: str) -> Address:
    return Address(name.title(), "1 Demo Street", "Springfield", "12345", "US")


@dataclass(frozen=True)
class Outcome:
    """A command's fate once executed: done, or rejected with the domain's reason."""

    command_id: UUID
    status: str
    reason: str = ""

    @property
    def done(self) -> bool:
        return self.status == Command.Status.DONE


def change_member(name: str) -> tuple[Any, bool]:
    """The member named `name`, created as a demo customer if new; (user, created)."""
    name = name.strip()
    if not name:
        raise CartShellError("Give a member name, e.g. change-member alice.")
    user, created = get_user_model().objects.get_or_create(
        username=name, defaults={"email": f"{name}@shop.local"}
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    if user.is_staff:
        raise CartShellError(f"{name} is a staff account; staff do not shop.")
    return user, created


def member_named(name: str) -> Any:
    user = get_user_model().objects.filter(username=name).first()
    if user is None:
        raise CartShellError(f"No member {name}; use change-member {name} to create them.")
    return user


def product_named(name: str) -> Any:
    """The catalog product with exactly this name (any case), else a helpful error."""
    found = [p for p in catalog.products(search=name) if p.name.lower() == name.lower()]
    if not found:
        raise CartShellError(f"Unknown product {name!r}. {_suggestions(name)}")
    return found[0]


def _suggestions(name: str) -> str:
    names = list(dict.fromkeys(catalog.products(active=True).values_list("name", flat=True)))
    close = difflib.get_close_matches(name, names, n=3)
    if close:
        return f"Did you mean {' or '.join(close)}?"
    if not names:
        return "The catalog is empty (manage.py seed_demo fills it)."
    more = ", ..." if len(names) > MAX_LISTED else ""
    return f"Products: {', '.join(names[:MAX_LISTED])}{more}."


def execute(command: object, user: Any, bakers: tuple[str, ...], wait: float) -> Outcome:
    """Submit `command` as `user`, and return once it has executed and `bakers` show it."""
    command_id = submit(command, actor=actor_for(user)).command_id
    if not wait_until_visible(command_id, bakers, wait):
        run_inline(bakers)
        if not wait_until_visible(command_id, bakers, INLINE_TIMEOUT):
            raise CartShellError(f"Command {command_id} is still pending; try show later.")
    status, error = Command.objects.values_list("status", "error").get(pk=command_id)
    reason = (error or {}).get("detail", "") if status != Command.Status.DONE else ""
    return Outcome(command_id, status, reason)


def run_inline(subscribers: tuple[str, ...]) -> None:
    """Execute what is due in the inbox, then run these subscribers in order."""
    Executor().run()
    for name in subscribers:
        Runner(registry.named(name)).catch_up()
        Executor().run()  # a receptor's commands


@dataclass
class Member:
    """The signed-in member of a shell session, and the operations on their cart."""

    user: Any
    wait: float = 3.0

    @property
    def customer_id(self) -> UUID:
        return customer_id_for(self.user)

    @property
    def cart_id(self) -> UUID:
        return cart_id_of(self.customer_id)

    def add(self, product: Any, quantity: int) -> Outcome:
        command = cart.AddItem(self.cart_id, self.customer_id, product.product_id, quantity)
        return execute(command, self.user, CART_BAKERS, self.wait)

    def remove(self, product: Any) -> Outcome:
        command = cart.RemoveItem(self.cart_id, self.customer_id, product.product_id)
        return execute(command, self.user, CART_BAKERS, self.wait)

    def adjust(self, product: Any, delta: int) -> Outcome:
        command = cart.AdjustQuantity(self.cart_id, self.customer_id, product.product_id, delta)
        return execute(command, self.user, CART_BAKERS, self.wait)

    def checkout(self, address: Address) -> tuple[Outcome, UUID]:
        order_id = fresh_id("order")
        command = cart.CheckOut(self.cart_id, self.customer_id, order_id, address, timezone.now())
        return execute(command, self.user, CART_BAKERS, self.wait), order_id

    def view(self) -> carts.CartView | None:
        return carts.cart_view(self.cart_id)


def placed_order(order_id: UUID, wait: float) -> Any:
    """The order a checkout placed, once the receptor has placed it (or None)."""
    pages = orders.order_summaries().filter(pk=order_id)
    if not _poll(pages.exists, wait):
        run_inline(ORDER_CHAIN)
    return pages.first()


def _poll(ready: Callable[[], bool], wait: float) -> bool:
    deadline = time.monotonic() + wait
    while not ready():
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)
    return True
