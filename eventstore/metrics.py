"""Prometheus metrics the event store observes as it works: commands and subscribers.

Each is observed once the transaction that did the work has committed, so a batch rolled
back counts nothing. What lives in Postgres (pending commands, lag) is read when scraped
instead (`eventstore.backlog`).
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

COMMANDS = Counter(
    "shop_commands", "Commands executed, by outcome.", ["context", "operation", "status"]
)
COMMAND_DURATION = Histogram(
    "shop_command_duration_seconds",
    "From a command's submit (a scheduled one's due time) to its execution.",
    ["context"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
)
SUBSCRIBER_EVENTS = Counter("shop_subscriber_events", "Events a subscriber handled.", ["name"])


def executed(outcomes: list[tuple[str, str, str, float]]) -> None:
    """Count executed commands: each one's context, operation, status and the seconds
    it waited since it was submitted or fell due."""
    for context, operation, status, waited in outcomes:
        COMMANDS.labels(context, operation, status).inc()
        COMMAND_DURATION.labels(context).observe(waited)


def handled(name: str, events: int) -> None:
    SUBSCRIBER_EVENTS.labels(name).inc(events)
