"""Prometheus metrics of the webhook relay: the attempts it made, counted once recorded,
and each endpoint's backlog, read from Postgres at each scrape (`queries.with_backlog`,
whose cost grows with the pending deliveries, not with all those ever made)."""

from __future__ import annotations

from collections.abc import Iterator
from enum import StrEnum

from prometheus_client import Counter
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from contexts.integrations import queries
from contexts.integrations.models import DeliveryStatus


class Attempt(StrEnum):
    """What a delivery attempt came to, as the counter's `status` label says it."""

    DELIVERED = DeliveryStatus.DELIVERED.value
    FAILED = "failed"  # to be tried again: the delivery stays pending
    DEAD = DeliveryStatus.DEAD.value  # given up


DELIVERIES = Counter(
    "shop_webhook_deliveries",
    "Webhook delivery attempts: delivered, failed (to be tried again) or dead (given up).",
    ["status"],
)
for _status in Attempt:  # each shown from the start, at 0, so rates begin at the first
    DELIVERIES.labels(_status)


def attempted(delivered: int, failed: int, dead: int) -> None:
    counts = {Attempt.DELIVERED: delivered, Attempt.FAILED: failed, Attempt.DEAD: dead}
    for status, count in counts.items():
        if count:
            DELIVERIES.labels(status).inc(count)


class WebhookCollector(Collector):
    def collect(self) -> Iterator[Metric]:
        lag = GaugeMetricFamily(
            "shop_webhook_lag_events",
            "Deliveries an endpoint is owed and has not acknowledged yet.",
            labels=["endpoint"],
        )
        for endpoint in queries.with_backlog(queries.endpoints().order_by("id")):
            lag.add_metric([str(endpoint.id)], endpoint.pending_count)
        yield lag
