"""Staff accounts as the back office makes them: being staff grants nothing by itself
(`shop.rights`), so a test's staff member is put in the groups whose rights it uses."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission, User

GROUPS = ("support", "finance", "warehouse", "integrations")
CATALOG = ("catalog", "manage_catalog")
"""No group manages the catalog (see docs/admin.md): it is granted to a user."""


def join(user: User, *groups: str, catalog: bool = False) -> User:
    """`user` in these groups, and managing the catalog when `catalog`."""
    user.groups.add(*Group.objects.filter(name__in=groups))
    if catalog:
        app_label, codename = CATALOG
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return user


def with_every_right(user: User) -> User:
    """A staff member of every group who also manages the catalog: the staff the older
    tests meant when any staff account could do anything."""
    return join(user, *GROUPS, catalog=True)
