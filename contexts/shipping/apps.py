from django.apps import AppConfig


class ShippingConfig(AppConfig):
    """Shipments of paid orders: dispatch, delivery and cancellation."""

    name = "contexts.shipping"
    label = "shipping"

    def ready(self) -> None:
        from contexts.shipping import bakers, handlers, receptors  # noqa: F401  registers them
