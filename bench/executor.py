"""Commands executed per second by one executor, against the batch appends it makes.

Per batch the executor claims the oldest ready streams, folds them, decides every
command, appends all the new events with one `append_many` and marks every command, in
one transaction. The baseline is the append alone: `store.append_many` of the same
events in batches of the same shape, one transaction each. The ratio is what claiming,
folding, deciding and marking cost on top of the writes.
"""

from __future__ import annotations

import json
import time
import uuid
from functools import partial

from django.db import connection, transaction

from bench.counter import STREAM_TYPE, Bump, Bumped
from bench.events import metadata
from bench.eventstore import latency_detail
from bench.report import Figure, Limit, Measure
from bench.timing import Run, Samples, alternate, measure
from eventstore.codec import encode
from eventstore.executor import BATCH_SIZE, MAX_STREAMS_PER_BATCH, Executor
from eventstore.store import NewEvents, raw_cursor, store

GOAL = 3000  # commands/s (issue 3)

_QUEUE = """
    INSERT INTO eventstore_command
        (id, service_name, operation, stream_id, payload, actor, correlation_id, status,
         positions)
    SELECT c.id, 'bench', 'Bump', c.stream_id, c.payload::jsonb, 'bench', c.id, 'pending',
           '[]'::jsonb
    FROM unnest(%s::uuid[], %s::uuid[], %s::text[]) WITH ORDINALITY AS c(id, stream_id, payload, n)
    ORDER BY c.n
"""


def queue_backlog(commands: int, streams: int) -> None:
    """`commands` pending bumps dealt round-robin over `streams` new counters: the inbox as
    many clients submitting at once leave it. One statement; nothing wakes a worker."""
    counters = [uuid.uuid4() for _ in range(streams)]
    stream_ids = [counters[n % streams] for n in range(commands)]
    payloads = [json.dumps(encode(Bump(stream, 1))) for stream in stream_ids]
    with transaction.atomic(), raw_cursor() as cursor:
        cursor.execute(_QUEUE, [[uuid.uuid4() for _ in stream_ids], stream_ids, payloads])


def executor_side(commands: int, streams: int) -> Run:
    """Queue a backlog, then time one `Executor().run()` over all of it.

    Whatever was ready before (nothing, in the benchmark's fresh store) runs first,
    untimed, so that the timed run executes exactly the backlog.
    """

    def run(_: int) -> Samples:
        connection.close()  # a fresh backend for this round: see bench.timing
        Executor().run()
        queue_backlog(commands, streams)
        started = time.perf_counter()
        executed = Executor().run()
        elapsed = time.perf_counter() - started
        if executed != commands:
            raise RuntimeError(f"executed {executed} commands where {commands} were queued")
        return Samples([elapsed], executed, elapsed)

    return run


def executor_shaped_batches(commands: int, streams: int) -> list[list[NewEvents]]:
    """The executor's batches over the backlog `queue_backlog` leaves: each takes the
    `MAX_STREAMS_PER_BATCH` streams that waited longest and their first `BATCH_SIZE`
    commands in arrival order, one one-event append per command."""
    counters = [uuid.uuid4() for _ in range(streams)]
    versions = dict.fromkeys(counters, 0)
    group = min(streams, MAX_STREAMS_PER_BATCH)
    batches: list[list[NewEvents]] = []
    appended = 0
    while appended < commands:
        start = (len(batches) * group) % streams
        chosen = (counters * 2)[start : start + group]
        batch = []
        for n in range(min(BATCH_SIZE, commands - appended)):
            stream = chosen[n % group]
            version = versions[stream]
            event = Bumped(stream, 1, version + 1)
            batch.append(NewEvents(stream, STREAM_TYPE, [event], version, metadata()))
            versions[stream] = version + 1
        batches.append(batch)
        appended += len(batch)
    return batches


def append_many_side(commands: int, streams: int) -> Run:
    """The same number of events by `store.append_many`, one executor-sized batch per
    transaction."""

    def append(batch: list[NewEvents]) -> None:
        with transaction.atomic():
            store.append_many(batch)

    def run(_: int) -> Samples:
        connection.close()
        batches = executor_shaped_batches(commands, streams)
        samples = measure([partial(append, batch) for batch in batches], 0, warm=0)
        samples.events = commands
        return samples

    return run


def executor_figure(commands: int, streams: int, rounds: int) -> Figure:
    """`rounds` backlogs of `commands` commands over `streams` streams, alternating with
    the same number of events appended in executor-sized batches."""
    ours, theirs = alternate(
        rounds, rounds, executor_side(commands, streams), append_many_side(commands, streams)
    )
    rate = ours.events_per_second
    return Figure(
        "commands executed/s by one worker process (Executor().run() on a backlog)",
        Measure(rate, "commands/s", f"{commands:,} pending over {streams} streams"),
        f"store.append_many, {BATCH_SIZE} events per transaction",
        Measure(theirs.events_per_second, "events/s", latency_detail(theirs)),
        limits=(Limit("", rate, GOAL, "commands/s"),),
    )
