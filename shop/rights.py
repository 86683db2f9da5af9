"""What a member of staff may do: one definition for the API, the back office, the live
pages and the websocket.

Being staff grants nothing by itself. A write needs the permission its command's handler
declares (`Handler.permission`), the one the back-office button checks too. Reading
everyone's rows of a table needs that table's view permission (`sales.view_ordersummary`,
...), the one the admin's pages check. The back-office groups hand these out (see
docs/admin.md); a superuser holds them all. Customers hold none: they act on, and read,
their own things only (`shop.customers.customer_scope`).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_permission_codename
from django.db.models import Model

from eventstore.commands import commands


def is_staff(user: Any) -> bool:
    """A signed-in staff account; what it may do is up to its permissions."""
    return bool(user and user.is_authenticated and user.is_staff)


def may_submit(user: Any, command_type: type) -> bool:
    """Whether this user, as staff, may submit commands of this type."""
    return is_staff(user) and user.has_perm(commands.permission_for(command_type))


def may(user: Any, permission: str) -> bool:
    """Whether this user, as staff, holds a permission no command or table carries
    (managing webhooks: `integrations.manage_webhooks`)."""
    return is_staff(user) and user.has_perm(permission)


def view_permission(model: type[Model]) -> str:
    """The model's view permission, as Django's admin names it (`app.view_model`)."""
    return f"{model._meta.app_label}.{get_permission_codename('view', model._meta)}"


def may_read_all(user: Any, model: type[Model]) -> bool:
    """Whether this user, as staff, may read every row of the model's table."""
    return is_staff(user) and user.has_perm(view_permission(model))


def required_permission(view: Any) -> str | None:
    """The permission staff need for an endpoint that declares the command type it
    `submits`, the model it `reads` for everyone, or the `permission` itself; None for
    any other."""
    if (permission := getattr(view, "permission", None)) is not None:
        return permission
    if (command_type := getattr(view, "submits", None)) is not None:
        return commands.permission_for(command_type)
    if (model := getattr(view, "reads", None)) is not None:
        return view_permission(model)
    return None
