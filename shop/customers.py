"""Who a signed-in user is to the shop: their customer id.

Commands and events know customers only by a UUID; Django users have integer keys. A
user's customer id is derived from their primary key (`derived_id("customer", ...)`, a
UUID5), so it is stable, needs no table, and is the same in every process: the API puts
it in the commands a user submits, and the order feed lets a user see exactly the
orders placed with it.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from contexts.shared.values import derived_id


def customer_id_for(user: Any) -> UUID:
    """The customer id of an authenticated user (one with a primary key)."""
    if user.pk is None:
        raise ValueError("an anonymous user is no customer")
    return derived_id("customer", UUID(int=user.pk))
