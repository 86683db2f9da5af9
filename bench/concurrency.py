"""Many appenders at once, each on its own connection, against one appender.

Every append takes the store's advisory lock and holds it until commit, so that a
catch-up reader never skips a late commit. That makes appends a queue: more appenders
add latency, not throughput. This figure shows how much, and the same run with raw
INSERTs (no lock) shows what the server would do without the queue.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

from django.db import connection, transaction

from bench.databases import RAW_INSERT, prepare_raw_table, raw_connect
from bench.events import STREAM_TYPE, jsonb_row, metadata, raw_row, tick
from bench.eventstore import latency_detail
from bench.report import Figure, Measure
from bench.timing import WARM, Run, Samples, alternate
from eventstore.codec import encode
from eventstore.store import store

AppendOne = Callable[[int], None]
"""Append the event that follows `n` events already in this appender's stream."""
Session = Callable[[], AbstractContextManager[AppendOne]]


@contextmanager
def shop_session() -> Iterator[AppendOne]:
    """This thread's own Django connection, appending to a stream of its own."""
    stream, meta = uuid.uuid4(), metadata()
    connection.ensure_connection()

    def append_one(n: int) -> None:
        with transaction.atomic():
            store.append(stream, STREAM_TYPE, [tick(n)], n, meta)

    try:
        yield append_one
    finally:
        connection.close()


@contextmanager
def raw_session() -> Iterator[AppendOne]:
    """This thread's own psycopg connection, inserting the same rows with no lock."""
    stream, meta = uuid.uuid4(), encode(metadata())
    with raw_connect() as raw, raw.cursor() as cursor:

        def append_one(n: int) -> None:
            row = raw_row(stream, n + 1, tick(n), meta)
            with raw.transaction():
                cursor.execute(RAW_INSERT, jsonb_row(row))

        yield append_one


def appenders(count: int, session: Session) -> Run:
    """Run `count` threads that share the given number of transactions, one event each."""

    def run(transactions: int) -> Samples:
        each = max(1, transactions // count)
        ready = threading.Barrier(count + 1)
        latencies: list[list[float]] = [[] for _ in range(count)]
        errors: list[BaseException] = []

        def work(index: int) -> None:
            try:
                with session() as append_one:
                    for n in range(WARM):
                        append_one(n)
                    ready.wait()
                    for n in range(WARM, WARM + each):
                        started = time.perf_counter()
                        append_one(n)
                        latencies[index].append(time.perf_counter() - started)
            except BaseException as error:  # re-raised in the calling thread below
                errors.append(error)
                ready.abort()

        threads = [threading.Thread(target=work, args=(i,)) for i in range(count)]
        for thread in threads:
            thread.start()
        ready.wait()
        started = time.perf_counter()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - started
        if errors:
            raise errors[0]
        return Samples([x for each_thread in latencies for x in each_thread], count * each, wall)

    return run


def concurrency_figures(transactions: int, count: int, rounds: int) -> list[Figure]:
    """`count` appenders against one, through the store and then with raw INSERTs.

    Both runs of a pair share `transactions` evenly, so each does the same total work.
    """
    with raw_connect() as raw:
        prepare_raw_table(raw)
    figures = []
    for name, session in (
        ("appenders (store.append)", shop_session),
        ("appenders, raw INSERT, no lock (context)", raw_session),
    ):
        together, alone = appenders(count, session), appenders(1, session)
        many, one = alternate(rounds, transactions, together, alone)
        figures.append(
            Figure(
                f"{count} concurrent {name}",
                Measure(many.events_per_second, "events/s", latency_detail(many)),
                "the same, 1 appender",
                Measure(one.events_per_second, "events/s", latency_detail(one)),
            )
        )
    return figures
