"""Who is calling: actors for the command inbox, and the roles endpoints require.

Every signed-in user acts as `customer:<pk>`, or `staff:<pk>` for staff. A user may see
the commands they submitted under either name (their role may have changed since); staff
see every command.
"""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request


def actor_for(user: Any) -> str:
    """The actor written on the commands this user submits (and on their events)."""
    return f"{'staff' if user.is_staff else 'customer'}:{user.pk}"


def actors_of(user: Any) -> tuple[str, ...]:
    """Every actor name this user may have submitted commands under."""
    return (f"customer:{user.pk}", f"staff:{user.pk}")


def is_staff(user: Any) -> bool:
    return bool(user and user.is_authenticated and user.is_staff)


class IsStaff(BasePermission):
    """Staff only: 401 for anonymous callers, 403 for customers."""

    message = "Only staff may do this."

    def has_permission(self, request: Request, view: Any) -> bool:
        return is_staff(request.user)


class IsCustomer(BasePermission):
    """Signed-in customers: 401 for anonymous callers, 403 for staff (staff do not shop)."""

    message = "Staff accounts do not shop; sign in as a customer."

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(request.user and request.user.is_authenticated and not request.user.is_staff)
