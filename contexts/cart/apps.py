from django.apps import AppConfig


class CartConfig(AppConfig):
    """Shopping carts: a customer's lines, priced from the catalog, checked out into orders."""

    name = "contexts.cart"
    label = "cart"

    def ready(self) -> None:
        from contexts.cart import bakers, handlers, receptors  # noqa: F401  registers them
