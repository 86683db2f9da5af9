"""Who a signed-in user is to the shop: their customer id.

Commands and events know customers only by a UUID; Django users have integer keys. A
user's customer id is derived from their primary key (`derived_id("customer", ...)`, a
UUID5), so it is stable, needs no table, and is the same in every process: the API puts
it in the commands a user submits, and the order feed lets a user see exactly the
orders placed with it.
"""

from __future__ import annotations

import functools
from typing import Any
from uuid import UUID

from django.contrib.auth import get_user_model
from django.db.models import Model, Q

from contexts.shared.values import derived_id
from shop.rights import may_read_all


def customer_id_for(user: Any) -> UUID:
    """The customer id of an authenticated user (one with a primary key)."""
    if user.pk is None:
        raise ValueError("an anonymous user is no customer")
    return derived_id("customer", UUID(int=user.pk))


def customer_scope(user: Any, model: type[Model]) -> UUID | None:
    """Whose rows of the model a signed-in user reads: everyone's (None) for staff who may
    read them all (`shop.rights`), else their own customer id's (staff who may not have
    none)."""
    return None if may_read_all(user, model) else customer_id_for(user)


@functools.lru_cache(maxsize=65536)
def customer_id_of(pk: int) -> UUID:
    """The customer id of the user with this primary key, without loading the user
    (remembered: every API request of a customer asks for it)."""
    return derived_id("customer", UUID(int=pk))


def matching(term: str, limit: int = 1000) -> list[UUID]:
    """Customer ids of (at most `limit`) users whose username or email contains `term`.

    There is no customer table to join: searches by name find the users first, then
    filter the rows by these ids.
    """
    found = Q(username__icontains=term) | Q(email__icontains=term)
    users = get_user_model().objects.filter(found).order_by("pk")
    return [customer_id_of(pk) for pk in users.values_list("pk", flat=True)[:limit]]


def exactly(term: str) -> UUID | None:
    """A customer id as typed, or the customer id of the user with this username or email
    (None when there is no such user)."""
    try:
        return UUID(term.strip())
    except ValueError:
        pass
    named = Q(username__iexact=term.strip()) | Q(email__iexact=term.strip())
    pk = get_user_model().objects.filter(named).order_by("pk").values_list("pk", flat=True).first()
    return customer_id_of(pk) if pk is not None else None
