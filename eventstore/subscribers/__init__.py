"""Checkpointed subscribers: bakers (events to presentation tables) and receptors
(events to other contexts' commands).

A subscriber handles the events after its checkpoint in global order, in batches. Its
rows and its new checkpoint commit in one transaction, so each event is applied exactly
once. A session-level advisory lock keeps one runner per subscriber across all workers
and hosts, and is held until the batch's after-commit notifications are sent, so live
messages leave in position order.

A run's log lines carry the subscriber's name; a line about one event (a receptor's,
a failure's) carries that event's `command_id` and `correlation_id` too
(`eventstore.log_context`).

The kinds of subscriber and their registry are in `kinds`, the runner in `runner`, its
lock and checkpoints in `locks` and `checkpoints`.
"""

from __future__ import annotations

from eventstore.subscribers.checkpoints import lag
from eventstore.subscribers.kinds import (
    Baker,
    Outlet,
    Receptor,
    Subscriber,
    SubscriberRegistry,
    registry,
)
from eventstore.subscribers.locks import SUBSCRIBER_LOCK, SubscriberLock
from eventstore.subscribers.runner import Runner

__all__ = [
    "SUBSCRIBER_LOCK",
    "Baker",
    "Outlet",
    "Receptor",
    "Runner",
    "Subscriber",
    "SubscriberLock",
    "SubscriberRegistry",
    "lag",
    "registry",
]
