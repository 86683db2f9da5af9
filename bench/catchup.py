"""Baker catch-up: events/s from a checkpoint to the head, against reading them.

Both sides start at the same position and cover the same freshly generated ticks. The
baker side is `Runner.catch_up()` over the bench baker, which per batch locks its
checkpoint, reads the head and the batch (decoded), inserts a row per event and saves
the checkpoint, in one transaction. The baseline is `store.iter_all` decoding the same
events: the ratio is what the subscriber machinery and the writes cost on top of reading.
"""

from __future__ import annotations

import time

import psycopg
from django.db import connection

from bench.baker import TickBaker
from bench.events import generate_events
from bench.eventstore import READ_PAGE, shop_reader
from bench.report import Figure, Limit, Measure
from bench.timing import Run, Samples, alternate
from eventstore.models import Checkpoint
from eventstore.store import store
from eventstore.subscribers import Runner

GOAL = 20_000  # events/s (issue 3)


def reset(baker: TickBaker, position: int) -> None:
    """Empty the baker's table and put its checkpoint at `position`, as if it had just
    been deployed there."""
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE bench_tick")
        cursor.execute(
            "INSERT INTO eventstore_checkpoint (name, position, status, error, updated_at)"
            " VALUES (%s, %s, %s, '', now()) ON CONFLICT (name) DO UPDATE"
            " SET position = EXCLUDED.position, status = EXCLUDED.status, error = ''",
            [baker.name, position, Checkpoint.Status.OK],
        )


def baked_ticks() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM bench_tick")
        return cursor.fetchone()[0]


def catch_up_side(after: int, events: int) -> Run:
    """Catch the bench baker up from `after` to the head, once per operation."""
    baker = TickBaker()

    def run(times: int) -> Samples:
        connection.close()  # a fresh backend for this round: see bench.timing
        samples = Samples()
        for _ in range(times):
            reset(baker, after)
            started = time.perf_counter()
            applied = Runner(baker).catch_up()
            elapsed = time.perf_counter() - started
            if applied != events or baked_ticks() != events:
                raise RuntimeError(f"baked {applied} events where {events} were written")
            samples.add(Samples([elapsed], applied, elapsed))
        return samples

    return run


def catch_up_figure(raw: psycopg.Connection, events: int, rounds: int) -> Figure:
    """Generate `events` ticks, then catch up over them and read them, `rounds` times each.

    One untimed pass per side first brings the events into the buffer cache.
    """
    after = store.head_position()
    generate_events(raw, -(-events // 10), 10)
    raw.execute("VACUUM ANALYZE eventstore_event")
    ours, theirs = alternate(
        rounds, rounds, catch_up_side(after, events), shop_reader(after, events), warmup=1
    )
    rate = ours.events_per_second
    return Figure(
        "baker catch-up into a simple table (Runner.catch_up)",
        Measure(rate, "events/s", f"{TickBaker.batch_size} per batch, {events:,} events"),
        f"store.iter_all decoded, pages of {READ_PAGE}",
        Measure(theirs.events_per_second, "events/s"),
        limits=(Limit("", rate, GOAL, "events/s"),),
    )
