from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    """Integration events out: the public catalogue, webhook endpoints and their relay."""

    name = "contexts.integrations"
    label = "integrations"

    def ready(self) -> None:
        from contexts.integrations import fanout  # noqa: F401  registers the subscriber
