"""The store under load, watched from a thread of the benchmark process: how many commands
wait ready to run, and how far behind its events each subscriber is.

Both reads are cheap enough to take during the load. The ready count walks the inbox's
partial index of pending commands. A subscriber's lag is the age of the oldest event it
wants and has not handled: for each event type it follows, the first such event after
its checkpoint (one probe of the (type, position) index), the earliest of those, and
that event's `recorded_at` (the start of the transaction that appended it) against the
server's clock. A subscriber with nothing to do lags 0.
"""

from __future__ import annotations

import math
import statistics
import threading
import time
from dataclasses import dataclass, field

from django.db import connection

from bench.timing import Samples
from eventstore import inbox
from eventstore.subscribers import registry

LAG_EVERY = 0.25  # s
READY_EVERY = 4  # lag samples: one ready count a second

READY = f"SELECT count(*) FROM eventstore_command WHERE {inbox.READY}"
LAG = """
    WITH wanted AS (
        SELECT w.name, w.type, coalesce(c.position, 0) AS checkpoint
        FROM unnest(%s::text[], %s::text[]) AS w(name, type)
        LEFT JOIN eventstore_checkpoint c ON c.name = w.name
    ), firsts AS (
        SELECT wanted.name, min(first.position) AS position
        FROM wanted CROSS JOIN LATERAL (
            (SELECT e.position FROM eventstore_event e
             WHERE wanted.type IS NOT NULL AND e.type = wanted.type
               AND e.position > wanted.checkpoint
             ORDER BY e.position LIMIT 1)
            UNION ALL
            (SELECT e.position FROM eventstore_event e
             WHERE wanted.type IS NULL AND e.position > wanted.checkpoint
             ORDER BY e.position LIMIT 1)
        ) first
        GROUP BY wanted.name
    )
    SELECT firsts.name, extract(epoch FROM clock_timestamp() - e.recorded_at)::float8
    FROM firsts JOIN eventstore_event e ON e.position = firsts.position
"""
"""Each subscriber's lag in seconds, given (subscriber, event type) pairs; a NULL type
stands for a subscriber that follows every event. Subscribers with nothing to do are
left out."""


def wanted_pairs() -> tuple[list[str], list[str | None]]:
    """Every registered subscriber with each event type it follows, as two columns."""
    names: list[str] = []
    types: list[str | None] = []
    for subscriber in registry.all():
        for event_type in sorted(subscriber.event_types or [None]):
            names.append(subscriber.name)
            types.append(event_type)
    return names, types


def subscriber_lags(pairs: tuple[list[str], list[str | None]]) -> dict[str, float]:
    """The subscribers that have events to handle, each with its lag in seconds."""
    with connection.cursor() as cursor:
        cursor.execute(LAG, list(pairs))
        return dict(cursor.fetchall())


def ready_commands() -> int:
    with connection.cursor() as cursor:
        cursor.execute(READY)
        return cursor.fetchone()[0]


@dataclass
class Watched:
    """What the watch saw: ready commands once a second and the worst subscriber lag
    every `LAG_EVERY` s, each sample with its `time.perf_counter()`."""

    ready: list[tuple[float, int]] = field(default_factory=list)
    lag: list[tuple[float, float, str]] = field(default_factory=list)
    """(when, the worst lag in seconds, whose it was; "" when nobody lagged)"""

    def ready_mean(self, start: float, end: float) -> float:
        counts = [count for at, count in self.ready if start <= at < end]
        return statistics.fmean(counts) if counts else 0.0

    def worst_lag(self, start: float = -math.inf, end: float = math.inf) -> tuple[float, str]:
        """The worst lag sampled in [start, end), and whose it was."""
        lags = ((lag, name) for at, lag, name in self.lag if start <= at < end)
        return max(lags, default=(0.0, ""))

    def lag_percentile(self, q: float) -> float:
        """The nearest-rank `q`th percentile of the per-sample worst lags, in seconds."""
        lags = [lag for _, lag, _ in self.lag]
        return Samples(lags).percentile(q) if lags else 0.0


class StoreWatch(threading.Thread):
    """Samples the store on a connection of its own until `stop`; then read `watched`."""

    def __init__(self) -> None:
        super().__init__(name="bench-watch", daemon=True)
        self.watched = Watched()
        self.pairs = wanted_pairs()
        self.stopping = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        start = time.perf_counter()
        tick = 0
        try:
            while not self.stopping.is_set():
                at = time.perf_counter()
                lags = subscriber_lags(self.pairs)
                worst = max(lags, key=lags.__getitem__, default="")
                self.watched.lag.append((at, max(0.0, lags.get(worst, 0.0)), worst))
                if tick % READY_EVERY == 0:
                    self.watched.ready.append((at, ready_commands()))
                tick += 1
                self.stopping.wait(max(0.0, start + tick * LAG_EVERY - time.perf_counter()))
        except BaseException as error:  # reported by `stop`, in the measuring thread
            self.error = error
        finally:
            connection.close()

    def stop(self) -> Watched:
        self.stopping.set()
        self.join()
        if self.error:
            raise RuntimeError("the store watch failed") from self.error
        return self.watched
