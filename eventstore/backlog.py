"""The event store's backlog as Prometheus gauges, read from Postgres at each scrape:
commands due and not executed, each subscriber's lag and whether it is stopped.

Every query's cost grows with the backlog, never with the tables: the pending commands'
partial index (bounded at `PENDING_LIMIT`), the events' primary key for the head, and
the checkpoints.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.db import connection
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from eventstore import subscribers
from eventstore.inbox import READY
from eventstore.models import Checkpoint

PENDING_LIMIT = 100_000
"""Due commands counted at most: the count reads the pending rows' index, about 0.3 µs a
row, so a backlog past this reads as this many (a scrape then spends ~30 ms on it)."""

DUE_COMMANDS = f"""
    SELECT count(*), extract(epoch FROM now() - min(not_before)) FROM (
        SELECT not_before FROM eventstore_command
        WHERE {READY}
        ORDER BY not_before LIMIT %s
    ) due
"""


class StoreCollector(Collector):
    def collect(self) -> Iterator[Metric]:
        yield from command_families()
        yield from subscriber_families()


def command_families() -> Iterator[Metric]:
    with connection.cursor() as cursor:
        cursor.execute(DUE_COMMANDS, [PENDING_LIMIT])
        pending, oldest = cursor.fetchone()
    yield GaugeMetricFamily(
        "shop_commands_pending",
        f"Commands due and not executed yet (counted up to {PENDING_LIMIT}).",
        value=pending,
    )
    yield GaugeMetricFamily(
        "shop_commands_oldest_pending_seconds",
        "How long the oldest due command has waited; 0 when none is pending.",
        value=float(oldest or 0),
    )


def subscriber_families() -> Iterator[Metric]:
    lag = subscribers.lag()
    failed = set(
        Checkpoint.objects.filter(status=Checkpoint.Status.FAILED).values_list("name", flat=True)
    )
    behind = GaugeMetricFamily(
        "shop_subscriber_lag_events", "Events after a subscriber's checkpoint.", labels=["name"]
    )
    stopped = GaugeMetricFamily(
        "shop_subscriber_failed", "1 while a subscriber is stopped at a failing event.",
        labels=["name"],
    )  # fmt: skip
    for name in sorted(lag):
        behind.add_metric([name], lag[name])
        stopped.add_metric([name], int(name in failed))
    yield behind
    yield stopped
