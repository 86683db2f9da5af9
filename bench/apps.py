from django.apps import AppConfig


class BenchConfig(AppConfig):
    """The benchmark suite's own table (the bench baker's), installed only by the bench
    settings and the test suite's; nothing registers with the event store on start."""

    name = "bench"
    label = "bench"
