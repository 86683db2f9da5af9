from django.apps import AppConfig


class SalesConfig(AppConfig):
    """The product catalog and orders."""

    name = "contexts.sales"
    label = "sales"

    def ready(self) -> None:
        from contexts.sales import bakers, handlers, receptors  # noqa: F401  registers them
