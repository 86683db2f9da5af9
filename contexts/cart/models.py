"""The cart view: presentation tables written only by the `cart.carts` baker."""

from django.db import models


class Cart(models.Model):
    """A cart as its customer sees it. A checked-out cart stays, empty, for its owner.

    `refusal` says why the order of its last checkout was rejected (its lines are back),
    "" when it was not; the next checkout clears it.
    """

    cart_id = models.UUIDField(primary_key=True)
    customer_id = models.UUIDField(db_index=True)
    total = models.DecimalField(max_digits=21, decimal_places=2)
    version = models.IntegerField(help_text="The cart stream's version this row reflects.")
    updated_at = models.DateTimeField(help_text="When the last event of the cart was recorded.")
    refused_order_id = models.UUIDField(
        null=True, help_text="The last checkout's order, if rejected."
    )
    refusal = models.TextField(blank=True, default="", help_text="Why that order was rejected.")

    def __str__(self) -> str:
        return f"cart {self.cart_id}: {self.total}"


class CartLine(models.Model):
    """One product in a cart, keyed by the position of the event that first added it.

    That position is the same on every rebuild, and orders the lines as they were added.
    """

    position = models.BigIntegerField(primary_key=True)
    cart_id = models.UUIDField()
    product_id = models.UUIDField()
    vendor_id = models.UUIDField()
    name = models.TextField()
    unit_price = models.DecimalField(max_digits=21, decimal_places=2)
    quantity = models.IntegerField()
    line_total = models.DecimalField(max_digits=21, decimal_places=2)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cart_id", "product_id"], name="cart_line_product"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.name}"
