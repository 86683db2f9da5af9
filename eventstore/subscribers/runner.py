"""The runner: takes a subscriber from its checkpoint to the head, a batch a
transaction, and stops exactly at an event it cannot handle."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from functools import partial

from django.db import connection, transaction

from eventstore import log_context, metrics, wakeups
from eventstore.store import EventStore, RecordedEvent, store
from eventstore.subscribers.checkpoints import (
    ensure_checkpoint,
    lock_checkpoint,
    record_failure,
    save_checkpoint,
)
from eventstore.subscribers.kinds import Subscriber
from eventstore.subscribers.locks import LOCK_WAIT_SECONDS, SUBSCRIBER_LOCK, SubscriberLock

log = logging.getLogger("eventstore.subscribers")  # the package's one logger

TURN_SECONDS = 0.5
"""How long a worker's task runs a subscriber, or the executor, before handing the rest
on behind the queue's other work: under a steady flow no step of the ordering process
waits long for a worker process, and a rebuild or verify waiting for a subscriber's lock
gets it within about this long."""


class Runner:
    """Runs one subscriber from its checkpoint to the head."""

    def __init__(self, subscriber: Subscriber, events: EventStore = store) -> None:
        self.subscriber = subscriber
        self.store = events
        self.busy = False  # the last catch_up found another runner holding the subscriber
        self.more = False  # the last catch_up's turn ended before the head

    def inline(self) -> bool:
        """One batch inside the caller's transaction: the executor's, which holds the
        append lock, so no event below the head can still commit. True when that caught
        the subscriber up to the head.

        The subscriber's lock is tried for the transaction only; another runner holding
        it (a wake-up's task, a rebuild) or a failing batch leaves the work to the
        subscriber's own wake-up, which records any failure. Its rows are written in a
        savepoint, so they never fail the commands.
        """
        name = self.subscriber.name
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_try_advisory_xact_lock(%s, hashtext(%s))", [SUBSCRIBER_LOCK, name]
            )
            if not cursor.fetchone()[0]:
                return False
        ensure_checkpoint(name)
        with log_context.bound({"subscriber": name}):
            try:
                with transaction.atomic():
                    applied = self._run_batch()
            except Exception:
                log.warning("%s: inline batch failed; its own run will retry", name, exc_info=True)
                return False
        return applied is None or applied < self.subscriber.batch_size

    def woken(self) -> int:
        """Catch up for a wake-up (the Celery task), a turn at a time, never waiting for
        another runner (`wakeups.serve`)."""
        return wakeups.serve(wakeups.CATCH_UP, self.subscriber.name, turn=self._turn)

    def _turn(self, started: Callable[[], None]) -> wakeups.Turn:
        applied = self.catch_up(turn=TURN_SECONDS, wait_seconds=0, on_lock=started)
        return wakeups.Turn(applied, held=not self.busy, more=self.more)

    def catch_up(
        self,
        max_batches: int | None = None,
        turn: float | None = None,
        wait_seconds: float = LOCK_WAIT_SECONDS,
        on_lock: Callable[[], None] | None = None,
    ) -> int:
        """Apply the events after the checkpoint, up to the head or until the turn is over
        (`more` then says so); return how many were applied. Another runner
        holding the subscriber is waited for up to `wait_seconds`; `on_lock` runs once
        this one holds it."""
        applied = batches = 0
        deadline = time.monotonic() + turn if turn else None
        self.busy = self.more = False
        with (
            log_context.bound({"subscriber": self.subscriber.name}),
            SubscriberLock(self.subscriber.name, wait_seconds) as lock,
        ):
            if not lock.held:
                self.busy = True
                return 0
            if on_lock is not None:
                on_lock()
            ensure_checkpoint(self.subscriber.name)
            while max_batches is None or batches < max_batches:
                if deadline and time.monotonic() > deadline:
                    self.more = True
                    break
                try:
                    count = self._run_batch()
                except Exception as error:
                    applied += self._run_one_by_one(error)
                    break
                if count is None:
                    break
                applied += count
                batches += 1
        return applied

    def _read(self, checkpoint: int) -> tuple[list[RecordedEvent], int]:
        head = self.store.head_position()
        if head <= checkpoint:  # caught up: no need to ask for what cannot be there
            return [], head
        types = self.subscriber.event_types
        batch = self.store.read_all(
            checkpoint, self.subscriber.batch_size, sorted(types) if types else None, head
        )
        full = len(batch) == self.subscriber.batch_size
        return batch, batch[-1].position if full else head

    def _run_batch(self) -> int | None:
        """One transaction: events, rows, checkpoint. None when there was nothing to do."""
        with transaction.atomic():
            checkpoint = lock_checkpoint(self.subscriber.name)
            events, new_checkpoint = self._read(checkpoint)
            if new_checkpoint <= checkpoint:
                return None
            if events:
                self.subscriber.handle(events)
            save_checkpoint(self.subscriber.name, new_checkpoint)
            self._notify_after_commit(events)
        return len(events)

    def _run_one_by_one(self, first_error: Exception) -> int:
        """After a failed batch: apply its events one at a time to stop exactly at the culprit.

        Each event is applied only if it is still after the checkpoint: when the batch
        failed because Postgres went away, this runner's lock went with its connection,
        and another runner may have applied some of them since they were read.
        """
        log.warning(
            "%s: batch failed (%s); retrying event by event", self.subscriber.name, first_error
        )
        applied = 0
        with transaction.atomic():
            checkpoint = lock_checkpoint(self.subscriber.name)
            events, _ = self._read(checkpoint)
        for event in events:
            with log_context.bound(log_context.of_event(event)):
                try:
                    with transaction.atomic():
                        if lock_checkpoint(self.subscriber.name) >= event.position:
                            continue
                        self.subscriber.handle([event])
                        save_checkpoint(self.subscriber.name, event.position)
                        self._notify_after_commit([event])
                except Exception as error:
                    record_failure(self.subscriber.name, event, error)
                    return applied
            applied += 1
        return applied

    def _notify_after_commit(self, events: Sequence[RecordedEvent]) -> None:
        """Once the batch commits: count it, and send the subscriber's notifications."""
        if events:
            transaction.on_commit(partial(metrics.handled, self.subscriber.name, len(events)))
            transaction.on_commit(_guarded(self.subscriber, events))


def _guarded(subscriber: Subscriber, events: Sequence[RecordedEvent]) -> Callable[[], None]:
    def notify() -> None:
        try:
            subscriber.after_commit(events)
        except Exception:  # a lost notification is recovered by resuming clients
            log.exception("%s: after-commit notification failed", subscriber.name)

    return notify
