from django.apps import AppConfig


class SalesConfig(AppConfig):
    name = "contexts.sales"
    label = "sales"
