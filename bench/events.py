"""The one event type the benchmarks append, and the same payload as SQL for bulk fills.

`bench.Ticked` carries a UUID, a Decimal, a str and an int: enough to exercise the codec's
common paths on append and read without being a real context's event.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID

import psycopg
from psycopg.types.json import Jsonb

from eventstore.codec import encode
from eventstore.registry import registry
from eventstore.store import Metadata

STREAM_TYPE = "bench.Clock"
EVENT_TYPE = "bench.Ticked"
LABEL = "tick from the benchmark suite"


@dataclass(frozen=True)
class Ticked:
    tick_id: UUID
    amount: Decimal
    label: str
    n: int


registry.register(EVENT_TYPE, Ticked)


def tick(n: int) -> Ticked:
    return Ticked(uuid.uuid4(), Decimal("12.34"), LABEL, n)


def metadata() -> Metadata:
    """Metadata shaped like a worker's: an actor and the ids that tie events to a command."""
    command_id = uuid.uuid4()
    return Metadata(actor="bench", command_id=command_id, correlation_id=command_id)


def raw_row(stream_id: UUID, version: int, event: Ticked, meta: dict) -> tuple:
    """The raw baseline's row for `event`: the very JSON the event store would store."""
    return (stream_id, STREAM_TYPE, version, EVENT_TYPE, 1, encode(event), meta)


def jsonb_row(row: tuple) -> tuple:
    """`row` ready for psycopg: its two JSON values marked as jsonb."""
    *head, data, meta = row
    return (*head, Jsonb(data), Jsonb(meta))


# One generated row per (stream, version): the same shapes `encode` gives Ticked and
# Metadata, so `store.read_all` decodes generated rows exactly like appended ones.
_GENERATE = """
INSERT INTO eventstore_event
    (stream_id, stream_type, version, type, schema_version, data, metadata)
SELECT s.stream_id, %(stream_type)s::text, v.version, %(event_type)s::text, 1,
       jsonb_build_object('tick_id', gen_random_uuid()::text, 'amount', '12.34',
                          'label', %(label)s::text, 'n', v.version),
       jsonb_build_object('actor', 'bench', 'command_id', s.command_id::text,
                          'correlation_id', s.command_id::text, 'causation_id', null,
                          'extra', '{}'::jsonb)
FROM (SELECT gen_random_uuid() AS stream_id, gen_random_uuid() AS command_id
      FROM generate_series(1, %(streams)s::int)) AS s
CROSS JOIN generate_series(1, %(stream_size)s::int) AS v(version)
"""


def generate_events(conn: psycopg.Connection, streams: int, stream_size: int) -> int:
    """Insert `streams` new streams of `stream_size` events in one statement; commit.

    Bypasses `eventstore_append` to fill millions of rows in seconds, but takes its
    advisory lock first, so a concurrent catch-up reader still never sees a gap.
    """
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(7283)")
        conn.execute(
            _GENERATE,
            {
                "stream_type": STREAM_TYPE,
                "event_type": EVENT_TYPE,
                "label": LABEL,
                "streams": streams,
                "stream_size": stream_size,
            },
        )
    return streams * stream_size
