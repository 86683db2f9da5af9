"""Append latency with a large store against a small one.

An append looks up the stream's head version and inserts into two btrees keyed by
position and by (stream_id, version); the second is keyed by random UUIDs, so as the
table grows its pages fall out of the buffer cache. This figure shows whether that
costs the appender: the same appends, alternated between a store of about 10k events
and one of about 1M, on the same server.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import partial

import psycopg
from django.db import transaction

from bench.databases import count_events
from bench.events import STREAM_TYPE, Ticked, generate_events, metadata, tick
from bench.report import Figure, Goal, Measure
from bench.timing import WARM, Run, Samples, alternate, measure
from eventstore.store import ExpectedVersion, store

STREAM_SIZE = 10
FILL_CHUNK = 100_000


def top_up(raw: psycopg.Connection, target: int, progress: Callable[[str], None]) -> int:
    """Generate events until the store holds at least `target`; return how many it holds.

    Counts first, so a store filled by an earlier run is reused and only topped up.
    """
    count = count_events(raw)
    while count < target:
        chunk = min(FILL_CHUNK, target - count)
        count += generate_events(raw, -(-chunk // STREAM_SIZE), STREAM_SIZE)
        progress(f"{count:,} of {target:,} events")
    if count:
        raw.execute("VACUUM ANALYZE eventstore_event")
    return count


def append_latencies(samples: int) -> Samples:
    """`samples` one-event appends to new streams, each its own transaction."""
    meta = metadata()

    def append(stream: uuid.UUID, event: Ticked) -> None:
        with transaction.atomic():
            store.append(stream, STREAM_TYPE, [event], ExpectedVersion.NO_STREAM, meta)

    return measure([partial(append, uuid.uuid4(), tick(0)) for _ in range(WARM + samples)], 1)


def on_store(activate: Callable[[], None]) -> Run:
    """Appends against the store that `activate` points Django's connection at.

    Switching closes the connection, so each round also gets a fresh backend.
    """

    def run(samples: int) -> Samples:
        activate()
        return append_latencies(samples)

    return run


def growth_figure(
    large: tuple[int, Callable[[], None]],
    small: tuple[int, Callable[[], None]],
    samples: int,
    rounds: int,
) -> Figure:
    """p50 append latency on the large store over the small; each is (events, activate)."""
    (large_count, to_large), (small_count, to_small) = large, small
    on_large, on_small = alternate(rounds, samples, on_store(to_large), on_store(to_small))
    return Figure(
        f"append latency, {amount(large_count)} events stored",
        latency(on_large),
        f"the same, {amount(small_count)} stored",
        latency(on_small),
        Goal(at_most=1.3),
    )


def latency(samples: Samples) -> Measure:
    p99 = samples.percentile(99) * 1000
    return Measure(samples.percentile(50) * 1000, "ms p50", f"p99 {p99:.2f} ms")


def amount(count: int) -> str:
    if count >= 1_000_000:
        return f"{count / 1_000_000:.2f}M"
    if count >= 1_000:
        return f"{count / 1_000:.0f}k"
    return str(count)
