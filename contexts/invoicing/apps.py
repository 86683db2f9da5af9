from django.apps import AppConfig


class InvoicingConfig(AppConfig):
    name = "contexts.invoicing"
    label = "invoicing"

    def ready(self) -> None:
        from contexts.invoicing import bakers, handlers, receptors  # noqa: F401  registers them
