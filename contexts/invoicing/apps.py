from django.apps import AppConfig


class InvoicingConfig(AppConfig):
    name = "contexts.invoicing"
    label = "invoicing"
