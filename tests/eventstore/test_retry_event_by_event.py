"""A subscriber whose batch failed retries its events one at a time, and applies only
those still after its checkpoint (real Postgres, real commits).

A batch fails when Postgres goes away mid-run; the runner's lock goes with the
connection that held it, and another runner may take the subscriber over before the
retry has gone through the events it read.
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Callable, Sequence

from django.db import connection

from eventstore.models import Checkpoint
from eventstore.store import ExpectedVersion, Metadata, RecordedEvent, store
from eventstore.subscribers import SUBSCRIBER_LOCK, Runner, Subscriber
from tests.eventstore.events import Ticked


class Tally(Subscriber):
    """Notes each tick it applies. With `fails`, every batch of more than one fails, as
    one cut off by an outage does, and once its first tick is applied alone it calls
    `after_first`."""

    name = "test.tally"
    event_types = frozenset({"test.Ticked"})

    def __init__(self, applied: list[int], fails: bool = False,
                 after_first: Callable[[], None] | None = None) -> None:  # fmt: skip
        self.applied, self.fails, self.after_first = applied, fails, after_first

    def handle(self, events: Sequence[RecordedEvent]) -> None:
        if self.fails and len(events) > 1:
            raise ConnectionError("the connection ended mid-batch")
        self.applied += [event.position for event in events]

    def after_commit(self, events: Sequence[RecordedEvent]) -> None:
        if self.after_first is not None:
            after_first, self.after_first = self.after_first, None
            after_first()


def start_at_the_head() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO eventstore_checkpoint (name, position, status, error, updated_at)"
            " VALUES (%s, %s, 'ok', '', now()) ON CONFLICT (name) DO UPDATE"
            " SET position = EXCLUDED.position, status = 'ok', error = ''",
            [Tally.name, store.head_position()],
        )


def test_a_retry_applies_nothing_another_runner_applied_after_its_lock_was_lost(
    committed_db: None,
) -> None:
    start_at_the_head()
    ticks = [Ticked(n) for n in range(5)]
    positions = store.append(uuid.uuid4(), "test.Clock", ticks, ExpectedVersion.NO_STREAM,
                             Metadata(actor="tester"))  # fmt: skip
    applied: list[int] = []

    def lose_the_lock_and_be_taken_over() -> None:
        with connection.cursor() as cursor:  # as when its connection ends
            cursor.execute("SELECT pg_advisory_unlock(%s, hashtext(%s))",
                           [SUBSCRIBER_LOCK, Tally.name])  # fmt: skip
        other = threading.Thread(target=catch_up_elsewhere, args=(applied,))
        other.start()
        other.join()

    Runner(Tally(applied, fails=True, after_first=lose_the_lock_and_be_taken_over)).catch_up()

    assert Counter(applied) == Counter(positions)
    assert applied[:2] == positions[:2]  # the retry's first, then the other runner's batch
    checkpoint = Checkpoint.objects.get(name=Tally.name)
    assert (checkpoint.position, checkpoint.status) == (positions[-1], "ok")


def catch_up_elsewhere(applied: list[int]) -> None:
    try:
        Runner(Tally(applied)).catch_up()
    finally:
        connection.close()
