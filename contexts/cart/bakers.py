"""The cart baker: cart events into the cart view (`Cart` and its `CartLine`s)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal
from uuid import UUID

from contexts.cart import domain
from contexts.cart.models import Cart, CartLine
from contexts.shared.values import money
from eventstore.store import RecordedEvent
from eventstore.subscribers import Baker, registry

CART_FIELDS = ["customer_id", "total", "version", "updated_at", "refused_order_id", "refusal"]


class CartBaker(Baker):
    name = "cart.carts"
    event_types = frozenset(
        {
            "cart.CartItemAdded",
            "cart.CartItemRemoved",
            "cart.CartItemQuantityChanged",
            "cart.CartCheckedOut",
            "cart.CheckoutFailed",
        }
    )
    models = (Cart, CartLine)

    def handle(self, events: Sequence[RecordedEvent]) -> None:
        carts = CartsInBatch.load({event.stream_id for event in events})
        for event in events:
            carts.apply(event)
        carts.save()


class CartsInBatch:
    """The rows of the carts one batch touches: read once, changed in memory, written once."""

    def __init__(self, carts: dict[UUID, Cart], lines: dict[UUID, dict[UUID, CartLine]]) -> None:
        self.carts = carts
        self.lines = lines  # cart id -> product id -> line
        self.changed: set[int] = set()  # positions of lines to write
        self.removed: set[int] = set()  # positions of lines to delete

    @classmethod
    def load(cls, cart_ids: Iterable[UUID]) -> CartsInBatch:
        cart_ids = list(cart_ids)
        carts = {cart.cart_id: cart for cart in Cart.objects.filter(cart_id__in=cart_ids)}
        lines: dict[UUID, dict[UUID, CartLine]] = defaultdict(dict)
        for line in CartLine.objects.filter(cart_id__in=cart_ids):
            lines[line.cart_id][line.product_id] = line
        return cls(carts, lines)

    def apply(self, event: RecordedEvent) -> None:
        cart = self.carts.setdefault(event.stream_id, Cart(cart_id=event.stream_id))
        lines = self.lines[event.stream_id]
        match event.data:
            case domain.CartItemAdded() as added:
                cart.customer_id = added.customer_id
                self._add(lines, added, event.position)
            case domain.CartItemQuantityChanged(product_id=product_id, quantity=quantity):
                self._set_quantity(lines[product_id], quantity)
            case domain.CartItemRemoved(product_id=product_id):
                self._remove(lines.pop(product_id))
            case domain.CartCheckedOut(customer_id=customer_id):
                cart.customer_id = customer_id
                cart.refused_order_id, cart.refusal = None, ""
                for line in lines.values():
                    self._remove(line)
                lines.clear()
            case domain.CheckoutFailed(order_id=order_id, reason=reason):
                cart.refused_order_id, cart.refusal = order_id, reason
        cart.total = money(sum((line.line_total for line in lines.values()), Decimal(0)))
        cart.version = event.version
        cart.updated_at = event.recorded_at

    def _add(self, lines: dict[UUID, CartLine], added: domain.CartItemAdded, position: int) -> None:
        """Adding a product already in the cart raises its quantity and takes the new price."""
        line = lines.get(added.product_id)
        if line is None:
            line = lines[added.product_id] = CartLine(
                position=position, cart_id=added.cart_id, product_id=added.product_id, quantity=0
            )
        line.vendor_id, line.name, line.unit_price = added.vendor_id, added.name, added.unit_price
        self._set_quantity(line, line.quantity + added.quantity)

    def _set_quantity(self, line: CartLine, quantity: int) -> None:
        line.quantity = quantity
        line.line_total = money(line.unit_price * quantity)
        self.changed.add(line.position)

    def _remove(self, line: CartLine) -> None:
        self.changed.discard(line.position)
        self.removed.add(line.position)

    def save(self) -> None:
        """Deletes first, so a product removed and added again in one batch fits its key."""
        if self.removed:
            CartLine.objects.filter(position__in=self.removed).delete()
        Cart.objects.bulk_create(
            self.carts.values(),
            update_conflicts=True,
            unique_fields=["cart_id"],
            update_fields=CART_FIELDS,
        )
        changed = [
            line
            for lines in self.lines.values()
            for line in lines.values()
            if line.position in self.changed
        ]
        CartLine.objects.bulk_create(
            changed,
            update_conflicts=True,
            unique_fields=["position"],
            update_fields=["vendor_id", "name", "unit_price", "quantity", "line_total"],
        )


registry.register(CartBaker())
