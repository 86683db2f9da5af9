"""Who is calling: actors for the command inbox, and the rights endpoints require.

Every signed-in user acts as `customer:<pk>`, or `staff:<pk>` for staff. A user may see
the commands they submitted under either name (their role may have changed since).

What staff may do is `shop.rights`, the same rules as the back office's: a view names
the command it submits (`submits`) or the table it reads for everyone (`reads`), and
the permission classes below look up the permission from there. A member of staff
without it gets 403, anonymous callers 401.
"""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from eventstore.commands import commands
from shop.rights import may, may_read_all, may_submit, view_permission


def actor_for(user: Any) -> str:
    """The actor written on the commands this user submits (and on their events)."""
    return f"{'staff' if user.is_staff else 'customer'}:{user.pk}"


def actors_of(user: Any) -> tuple[str, ...]:
    """Every actor name this user may have submitted commands under."""
    return (f"customer:{user.pk}", f"staff:{user.pk}")


def _customer(user: Any) -> bool:
    return bool(user and user.is_authenticated and not user.is_staff)


class MaySubmit(BasePermission):
    """Staff holding the permission of the command type the view submits (`submits`)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        permission = commands.permission_for(view.submits)
        self.message = f"Only staff with the permission {permission} may do this."
        return may_submit(request.user, view.submits)


class OwnOrMaySubmit(MaySubmit):
    """Customers, on their own things (the view finds only theirs), or staff as in
    `MaySubmit`."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return _customer(request.user) or super().has_permission(request, view)


class MayReadAll(BasePermission):
    """Staff holding the view permission of the model the view reads (`reads`)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        permission = view_permission(view.reads)
        self.message = f"Only staff with the permission {permission} may read this."
        return may_read_all(request.user, view.reads)


class OwnOrMayReadAll(MayReadAll):
    """Customers, who read their own rows (the view scopes them), or staff as in
    `MayReadAll`, who read every row."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return _customer(request.user) or super().has_permission(request, view)


class MayDo(BasePermission):
    """Staff holding the permission the view names (`permission`)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        self.message = f"Only staff with the permission {view.permission} may do this."
        return may(request.user, view.permission)


class IsCustomer(BasePermission):
    """Signed-in customers: 401 for anonymous callers, 403 for staff (staff do not shop)."""

    message = "Staff accounts do not shop; sign in as a customer."

    def has_permission(self, request: Request, view: Any) -> bool:
        return _customer(request.user)
