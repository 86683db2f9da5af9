"""The catalog's presentation table, written only by its baker (see bakers.py) and read
through queries.py.

It was the sales app's table (`sales_product`) until `catalog/migrations/0001_initial`
renamed it, rows, indexes and grants kept, and moved its permissions, with the groups
and users holding them, to the catalog (`catalog.manage_catalog`).
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
        permissions = [("manage_catalog", "Can create, reprice and discontinue products")]

    def __str__(self) -> str:
        return f"{self.name} ({self.price})"
