"""Concurrent appenders against the real Postgres, with real commits.

The gap-safety test is the event store's central promise: a reader that keeps a
checkpoint and reads `position > checkpoint` sees every committed event exactly once,
in order, even while appenders commit out of order.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections.abc import Callable, Iterator

import pytest
from django.db import connection, transaction

from eventstore.store import ConcurrencyError, ExpectedVersion, Metadata, store
from tests.eventstore.events import Ticked

ACTOR = Metadata(actor="tester")
APPENDERS = 8
TRANSACTIONS_EACH = 300
EVENTS_PER_TRANSACTION = 2


def run_threads(target: Callable[[int], None], count: int) -> None:
    errors: list[BaseException] = []

    def guarded(n: int) -> None:
        try:
            target(n)
        except BaseException as error:  # surfaced in the test thread below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=guarded, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


def test_two_concurrent_appends_at_the_same_version_one_wins(committed_db: None) -> None:
    stream = uuid.uuid4()
    with transaction.atomic():
        store.append(stream, "test.Clock", [Ticked(0)], ExpectedVersion.NO_STREAM, ACTOR)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def append(n: int) -> None:
        barrier.wait()
        try:
            with transaction.atomic():
                store.append(stream, "test.Clock", [Ticked(n), Ticked(n)], 1, ACTOR)
            outcomes.append("ok")
        except ConcurrencyError:
            outcomes.append("conflict")

    run_threads(append, 2)

    assert sorted(outcomes) == ["conflict", "ok"]
    assert [e.data.n for e in store.read_stream(stream)] in ([0, 0, 0], [0, 1, 1])


def read_while_appending(append_one: Callable[[int], None]) -> tuple[list[int], list[int]]:
    """Run 8 appenders and one checkpointed reader; return (seen, committed) positions."""
    start = store.head_position()
    seen: list[int] = []
    done = threading.Event()

    def appender(n: int) -> None:
        for _ in range(TRANSACTIONS_EACH):
            append_one(n)

    def reader() -> None:
        checkpoint = start
        try:
            while True:
                finished = done.is_set()
                batch = store.read_all(after=checkpoint, limit=100)
                seen.extend(event.position for event in batch)
                if batch:
                    checkpoint = batch[-1].position
                elif finished:
                    return
        finally:
            connection.close()

    reader_thread = threading.Thread(target=reader)
    reader_thread.start()
    try:
        run_threads(appender, APPENDERS)
    finally:
        done.set()
        reader_thread.join()
    committed = [event.position for event in store.iter_all(after=start)]
    return seen, committed


def append_with_delay_before_commit(n: int) -> None:
    with transaction.atomic():
        events = [Ticked(n)] * EVENTS_PER_TRANSACTION
        store.append(uuid.uuid4(), "test.Clock", events, ExpectedVersion.NO_STREAM, ACTOR)
        time.sleep(random.uniform(0, 0.002))


def test_reader_sees_every_committed_event_exactly_once_in_order(committed_db: None) -> None:
    seen, committed = read_while_appending(append_with_delay_before_commit)

    assert len(committed) == APPENDERS * TRANSACTIONS_EACH * EVENTS_PER_TRANSACTION
    assert seen == committed


@pytest.fixture
def append_without_lock(committed_db: None) -> Iterator[None]:
    """Replace the append function with a copy that takes no lock, then put it back."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_functiondef('eventstore_append'::regproc)")
        original = cursor.fetchone()[0]
        unprotected = original.replace("PERFORM pg_advisory_xact_lock(7283);", "")
        assert unprotected != original
        cursor.execute(unprotected)
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(original)


@pytest.mark.database_owner  # only the owner may replace the append function
def test_without_the_append_lock_the_same_reader_skips_events(append_without_lock: None) -> None:
    """The control experiment: it shows the test above can fail."""
    seen, committed = read_while_appending(append_with_delay_before_commit)

    skipped = sorted(set(committed) - set(seen))
    print(f"without the lock the reader skipped {len(skipped)} of {len(committed)} events")
    assert seen != committed
    assert skipped, "no event was skipped without the lock; the experiment proves nothing"
