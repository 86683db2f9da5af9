"""Who a signed-in user is to the shop: their customer id; and a customer id's username.

Commands and events know customers only by a UUID; Django users have integer keys. A
user's customer id is derived from their primary key (`derived_id("customer", ...)`, a
UUID5), so it is stable, needs no table, and is the same in every process: the API puts
it in the commands a user submits, and the order feed lets a user see exactly the
orders placed with it.

Going from user to customer is a hash; going back (`usernames`, for staff's pages and
feed) needs every user's hash, which this module keeps per process and extends with
newly created users only (a user's primary key never changes).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterable
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


LATE_COMMITS = 1000  # rescan this many primary keys below the highest seen


class _Index:
    """customer id -> user primary key, for every user this process has seen."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.pks: dict[UUID, int] = {}
        self.highest = 0

    def users_of(self, customer_ids: Iterable[UUID]) -> dict[UUID, int]:
        wanted = set(customer_ids)
        with self.lock:
            if wanted - self.pks.keys():
                self._add_new_users()
            return {c: self.pks[c] for c in wanted if c in self.pks}

    def _add_new_users(self) -> None:
        """Users created since the last look; a window below the highest key catches
        users whose transactions committed out of key order."""
        users = get_user_model().objects.filter(pk__gt=self.highest - LATE_COMMITS)
        for pk in users.values_list("pk", flat=True):
            self.pks[customer_id_of(pk)] = pk
            self.highest = max(self.highest, pk)


_index = _Index()


def usernames(customer_ids: Iterable[UUID]) -> dict[UUID, str]:
    """The username of each customer id that belongs to a user."""
    pks = _index.users_of(customer_ids)
    names = dict(get_user_model().objects.filter(pk__in=pks.values()).values_list("pk", "username"))
    return {customer: names[pk] for customer, pk in pks.items() if pk in names}
