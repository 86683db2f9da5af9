from django.apps import AppConfig


class TokensConfig(AppConfig):
    """API tokens: hashed, expiring, and void once their user's password changes."""

    name = "shop.tokens"
    label = "tokens"
    default_auto_field = "django.db.models.BigAutoField"
