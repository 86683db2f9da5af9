from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The REST API platform; its only table is the idempotency-key store."""

    name = "shop.api"
    label = "api"
    default_auto_field = "django.db.models.BigAutoField"
