from django.apps import AppConfig


class ShippingConfig(AppConfig):
    name = "contexts.shipping"
    label = "shipping"
