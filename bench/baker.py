"""The bench baker: one row per tick into one small table, one statement per batch.

It is a real baker's fast path (build the batch's rows in memory, write them at once)
without any context's rules, so the catch-up and rebuild figures measure the event
store's subscriber machinery. It is never registered with the subscriber registry: no
worker wakes it, and `lag()` never waits for it.
"""

from __future__ import annotations

from collections.abc import Sequence

from bench.events import EVENT_TYPE
from bench.models import Tick
from eventstore.store import RecordedEvent, raw_cursor
from eventstore.subscribers import Baker

# Unqualified, so that a rebuild's search_path sends it to the scratch copy.
_INSERT = """
    INSERT INTO bench_tick (position, stream_id, n, amount)
    SELECT * FROM unnest(%s::bigint[], %s::uuid[], %s::int[], %s::numeric[])
"""


class TickBaker(Baker):
    name = "bench.ticks"
    event_types = frozenset({EVENT_TYPE})
    models = (Tick,)

    def handle(self, events: Sequence[RecordedEvent]) -> None:
        """One multi-row INSERT with four array parameters: psycopg binds them server-side,
        where Django's `bulk_create` would quote every value into the SQL text."""
        if not events:
            return
        columns = [
            [event.position for event in events],
            [event.stream_id for event in events],
            [event.data.n for event in events],
            [event.data.amount for event in events],
        ]
        with raw_cursor() as cursor:
            cursor.execute(_INSERT, columns)
