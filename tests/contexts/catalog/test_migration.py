"""The products' table moving from the sales app to the catalog's
(`contexts/catalog/migrations/0001_initial`), run on the test database taken back to
before the move: its rows stay, with their indexes and the application role's grants,
and whoever managed the catalog still does, as `catalog.manage_catalog`.

A fresh database goes through the move when the test database is made; the groups it
then holds are checked in tests/admin/test_permissions.py.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from contexts.catalog.models import Product
from tests.database_roles import APP

pytestmark = [pytest.mark.integration, pytest.mark.database_owner]


def migrate(*targets: tuple[str, str | None]) -> None:
    """Migrate to `targets`, or to the latest migrations without any."""
    executor = MigrationExecutor(connection)
    executor.migrate(list(targets) or executor.loader.graph.leaf_nodes())
    ContentType.objects.clear_cache()  # its ids and labels may have changed


@pytest.fixture
def before_the_move(committed_db: None) -> Iterator[str]:
    """The database as it was before the move (no catalog migration applied), and
    migrated forward again after the test whatever happened. Yields a tag to name the
    test's rows by; they are deleted after it."""
    tag = f"moved-{uuid.uuid4().hex[:8]}"
    migrate(("catalog", None))
    try:
        yield tag
    finally:
        migrate()
        Product.objects.filter(name__startswith=tag).delete()
        Group.objects.filter(name__startswith=tag).delete()
        User.objects.filter(username__startswith=tag).delete()


def sales_permission(codename: str) -> Permission:
    return Permission.objects.get(content_type__app_label="sales", codename=codename)


def codes(holder: Group | User) -> set[str]:
    held = holder.permissions if isinstance(holder, Group) else holder.user_permissions
    return {f"{p.content_type.app_label}.{p.codename}" for p in held.all()}


def tables() -> set[str]:
    return set(connection.introspection.table_names()) & {"sales_product", "catalog_product"}


def indexes(table: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = %s ORDER BY 1", [table])
        return [name for (name,) in cursor.fetchall()]


def test_a_database_made_before_the_move_keeps_its_products_and_its_catalog_managers(
    before_the_move: str,
) -> None:
    product, name, now = uuid.uuid4(), f"{before_the_move}-lamp", timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO sales_product (product_id, vendor_id, name, price, active, created_at,"
            " updated_at) VALUES (%s, %s, %s, 12.50, true, %s, %s)",
            [product, uuid.uuid4(), name, now, now],
        )
    managers = Group.objects.create(name=f"{before_the_move}-managers")
    managers.permissions.add(sales_permission("manage_catalog"))
    clerk = User.objects.create_user(f"{before_the_move}-clerk", is_staff=True)
    clerk.user_permissions.add(sales_permission("view_product"))
    indexed = indexes("sales_product")

    migrate()

    assert tables() == {"catalog_product"}
    moved = Product.objects.get(pk=product)
    assert (moved.name, str(moved.price), moved.active) == (name, "12.50", True)
    assert len(indexed) == 2 and indexes("catalog_product") == indexed  # the key and vendor_id
    assert codes(managers) == {"catalog.manage_catalog"}
    assert codes(clerk) == {"catalog.view_product"}
    assert User.objects.get(pk=clerk.pk).has_perm("catalog.view_product")
    assert not ContentType.objects.filter(app_label="sales", model="product").exists()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT has_table_privilege(%s, 'catalog_product', 'SELECT, INSERT, UPDATE, DELETE')",
            [APP["USER"]],
        )
        assert cursor.fetchone() == (True,)


def test_a_catalog_content_type_made_before_the_move_takes_the_sales_ones_holders(
    before_the_move: str,
) -> None:
    made = ContentType.objects.create(app_label="catalog", model="product")
    manage = Permission.objects.create(content_type=made, codename="manage_catalog", name="x")
    managers = Group.objects.create(name=f"{before_the_move}-managers")
    managers.permissions.add(sales_permission("manage_catalog"))
    viewers = Group.objects.create(name=f"{before_the_move}-viewers")
    viewers.permissions.add(sales_permission("view_product"))

    migrate()

    [product_type] = ContentType.objects.filter(model="product", app_label__in=("sales", "catalog"))
    assert product_type.pk == made.pk
    assert list(managers.permissions.all()) == [manage]
    assert codes(viewers) == {"catalog.view_product"}
    assert {p.codename for p in Permission.objects.filter(content_type=made)} == {
        "add_product", "change_product", "delete_product", "view_product", "manage_catalog"
    }  # fmt: skip
