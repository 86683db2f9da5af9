"""The catalog's presentation table, written only by its baker (see bakers.py) and read
through queries.py.

The table is still the sales app's (`Meta.app_label`): its migrations, its name
`sales_product`, the permission `sales.manage_catalog` staff groups hold and its admin
pages' addresses stay as they were when the catalog was part of sales. Moving it to the
catalog app takes `SeparateDatabaseAndState` migrations and the groups' permissions.
"""

from __future__ import annotations

from django.db import models

from contexts.shared.fields import money_field


class Product(models.Model):
    """The catalog as shoppers and staff browse it (baker `sales.products`)."""

    product_id = models.UUIDField(primary_key=True)
    vendor_id = models.UUIDField(db_index=True)
    name = models.TextField()
    price = money_field()
    active = models.BooleanField()
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        app_label = "sales"
        permissions = [("manage_catalog", "Can create, reprice and discontinue products")]

    def __str__(self) -> str:
        return f"{self.name} ({self.price})"
