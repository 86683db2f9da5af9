from django.apps import AppConfig


class PipelineConfig(AppConfig):
    """A test-only context (ledger accounts) that drives the generic pipeline end to end."""

    name = "tests.pipeline"
    label = "pipeline"

    def ready(self) -> None:
        from tests.pipeline import bakers, handlers, receptors  # noqa: F401  registers them
