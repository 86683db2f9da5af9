from django.apps import AppConfig


class CartConfig(AppConfig):
    name = "contexts.cart"
    label = "cart"
