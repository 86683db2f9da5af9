"""Appends and reads through the event store's real API, against plain psycopg.

The baseline does the same job with nothing of ours in the way: the same rows, the same
JSON, an equivalent table without triggers or the append function, psycopg's defaults.
What the ratio then shows is the whole cost of the store: Django's transaction handling,
the codec, the append function and its lock, decoding on read.
"""

from __future__ import annotations

import uuid
from functools import partial
from itertools import islice

import psycopg
from django.db import connection, transaction

from bench.databases import RAW_INSERT, RAW_TABLE, prepare_raw_table, raw_connect
from bench.events import STREAM_TYPE, Ticked, generate_events, jsonb_row, metadata, raw_row, tick
from bench.report import Figure, Goal, Measure
from bench.timing import WARM, Run, Samples, alternate, measure, rotate
from eventstore.codec import encode
from eventstore.store import Metadata, store

_SELECT_PAGE = (
    f"SELECT position, stream_id, stream_type, version, type, schema_version, data, metadata,"
    f" recorded_at FROM {RAW_TABLE} WHERE position > %s ORDER BY position LIMIT %s"
)
READ_PAGE = 1000


def shop_appender(batch: int, atomic: bool = True) -> Run:
    """Append `batch` events per transaction to a new stream, as a worker would.

    With `atomic` each append runs in `transaction.atomic()` (BEGIN, the append, COMMIT:
    three round trips); without, in Django's autocommit, where the append's one
    statement is its own transaction (one round trip).
    """

    def append(stream: uuid.UUID, meta: Metadata, version: int, events: list[Ticked]) -> None:
        if atomic:
            with transaction.atomic():
                store.append(stream, STREAM_TYPE, events, version, meta)
        else:
            store.append(stream, STREAM_TYPE, events, version, meta)

    def run(transactions: int) -> Samples:
        connection.close()  # a fresh backend for this round: see bench.timing
        stream, meta = uuid.uuid4(), metadata()
        work = [
            partial(append, stream, meta, number * batch, [tick(n) for n in range(batch)])
            for number in range(WARM + transactions)
        ]
        return measure(work, batch)

    return run


def raw_appender(batch: int, explicit: bool = True) -> Run:
    """The same rows by INSERT (one event) or `executemany` (a batch), one transaction each:
    an explicit one (BEGIN, INSERT, COMMIT), or with `explicit` off, autocommit."""

    def run(transactions: int) -> Samples:
        stream, meta = uuid.uuid4(), encode(metadata())
        work = [
            [raw_row(stream, number * batch + n + 1, tick(n), meta) for n in range(batch)]
            for number in range(WARM + transactions)
        ]
        with raw_connect() as raw, raw.cursor() as cursor:

            def write(rows: list[tuple]) -> None:
                if batch == 1:
                    cursor.execute(RAW_INSERT, jsonb_row(rows[0]))
                else:
                    cursor.executemany(RAW_INSERT, [jsonb_row(row) for row in rows])

            def insert(rows: list[tuple]) -> None:
                if explicit:
                    with raw.transaction():
                        write(rows)
                else:
                    write(rows)

            return measure([partial(insert, rows) for rows in work], batch)

    return run


def append_figure(
    raw: psycopg.Connection, transactions: int, batch: int, rounds: int, goal: float
) -> Figure:
    """`transactions` appends of `batch` events each side, alternating in `rounds`; the
    store in `transaction.atomic()` against BEGIN, INSERT / `executemany`, COMMIT."""
    prepare_raw_table(raw)
    ours, theirs = alternate(rounds, transactions, shop_appender(batch), raw_appender(batch))
    plural = "event" if batch == 1 else "events"
    how = "INSERT" if batch == 1 else f"executemany of {batch}"
    atomic = ": store.append in transaction.atomic()" if batch == 1 else ""
    return Figure(
        f"append, {batch} {plural} per transaction{atomic}",
        throughput(ours),
        f"psycopg {how} + commit per transaction",
        throughput(theirs),
        Goal(at_least=goal),
    )


def autocommit_append_figures(
    raw: psycopg.Connection, transactions: int, rounds: int, goal: float
) -> list[Figure]:
    """One-event appends in Django's autocommit, each its own transaction in one round
    trip: against the same raw baseline as the atomic figure (BEGIN, INSERT, COMMIT),
    which the goal is judged on, and against a raw INSERT in autocommit (one round trip
    too), for context."""
    prepare_raw_table(raw)
    sides = [shop_appender(1, atomic=False), raw_appender(1), raw_appender(1, explicit=False)]
    ours, explicit, autocommit = rotate(rounds, transactions, sides)
    name = "append, 1 event per transaction: store.append in autocommit"
    return [
        Figure(name, throughput(ours), "psycopg INSERT + commit per transaction",
               throughput(explicit), Goal(at_least=goal)),
        Figure(f"{name} (context: same round trips)", throughput(ours),
               "psycopg INSERT in autocommit", throughput(autocommit)),
    ]  # fmt: skip


def throughput(samples: Samples) -> Measure:
    return Measure(samples.events_per_second, "events/s", latency_detail(samples))


def latency_detail(samples: Samples) -> str:
    p50, p99 = samples.percentile(50) * 1000, samples.percentile(99) * 1000
    return f"p50 {p50:.2f} ms, p99 {p99:.2f} ms"


def shop_reader(after: int, events: int) -> Run:
    """Read `events` events after `after`, decoded to `RecordedEvent`s, once per operation."""

    def read() -> None:
        _check_read(len(list(islice(store.iter_all(after, READ_PAGE), events))), events)

    def run(reads: int) -> Samples:
        connection.close()
        return measure([read] * reads, events, warm=0)

    return run


def raw_reader(after: int, events: int) -> Run:
    """The same rows as tuples, paged by position with plain psycopg."""

    def read(cursor: psycopg.Cursor) -> None:
        rows: list[tuple] = []
        position = after
        while len(rows) < events:
            cursor.execute(_SELECT_PAGE, (position, READ_PAGE))
            page = cursor.fetchall()
            if not page:
                break
            rows.extend(page[: events - len(rows)])
            position = page[-1][0]
        _check_read(len(rows), events)

    def run(reads: int) -> Samples:
        with raw_connect() as raw, raw.cursor() as cursor:
            return measure([partial(read, cursor)] * reads, events, warm=0)

    return run


def _check_read(read: int, expected: int) -> None:
    """A short read would make a side look fast for the wrong reason."""
    if read != expected:
        raise RuntimeError(f"read {read} events where {expected} were written")


def read_all_figure(raw: psycopg.Connection, events: int, rounds: int) -> Figure:
    """Read the same `events` freshly generated events from both tables, `rounds` times each.

    Both sides read after the same position from tables holding the same rows, so they
    page through identical data; only the decoding differs. One untimed read per side
    first brings both tables into the buffer cache.
    """
    after = store.head_position()
    generate_events(raw, -(-events // 10), 10)
    prepare_raw_table(raw)
    ours, theirs = alternate(
        rounds, rounds, shop_reader(after, events), raw_reader(after, events), warmup=1
    )
    return Figure(
        "read-all, decoded to event objects (store.iter_all)",
        Measure(ours.events_per_second, "events/s"),
        f"psycopg SELECT ... ORDER BY position LIMIT {READ_PAGE}, paged",
        Measure(theirs.events_per_second, "events/s"),
        Goal(at_least=0.8),
    )
