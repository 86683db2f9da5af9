from django.apps import AppConfig


class CatalogConfig(AppConfig):
    """The product catalog: products, and the entries other contexts price from."""

    name = "contexts.catalog"
    label = "catalog"

    def ready(self) -> None:
        from contexts.catalog import bakers, handlers  # noqa: F401  registers them
