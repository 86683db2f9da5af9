"""Checkpointed subscribers: bakers (events to presentation tables) and receptors
(events to other contexts' commands).

A subscriber handles the events after its checkpoint in global order, in batches. Its
rows and its new checkpoint commit in one transaction, so each event is applied exactly
once. A session-level advisory lock keeps one runner per subscriber across all workers
and hosts, and is held until the batch's after-commit notifications are sent, so live
messages leave in position order.

A run's log lines carry the subscriber's name; a line about one event (a receptor's,
a failure's) carries that event's `command_id` and `correlation_id` too
(`eventstore.log_context`).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import ClassVar

from django.db import connection, models, transaction

from eventstore import log_context, metrics, wakeups
from eventstore.inbox import Submission, submit_many
from eventstore.store import EventStore, RecordedEvent, store

log = logging.getLogger(__name__)

SUBSCRIBER_LOCK = 3
LOCK_WAIT_SECONDS = 5
TURN_SECONDS = 0.5
"""How long a worker's task runs a subscriber, or the executor, before handing the rest
on behind the queue's other work: under a steady flow no step of the ordering process
waits long for a worker process, and a rebuild or verify waiting for a subscriber's lock
gets it within about this long."""


@dataclass(frozen=True)
class Outlet:
    """Where a subscriber's work goes on past its checkpoint, with a lag of its own (a
    relay's webhook endpoint): shown under the subscriber on the projections page."""

    name: str
    pending: int  # items not yet through
    oldest: dt.datetime | None  # when the oldest of them was recorded
    status: str


class Subscriber:
    """Subclass, name it, list the event types it wants (None: all) and `handle` them."""

    name: ClassVar[str]
    event_types: ClassVar[frozenset[str] | None] = None
    batch_size: ClassVar[int] = 500
    inline_up_to: ClassVar[int] = 0
    """Also run inside the executor's transaction, right after the events it wants are
    appended, when a batch appends at most this many events (`Runner.inline`): its work
    commits with the commands that caused it, with no task in between. Bigger batches
    (a burst) are left to its own runs, whose batches are bigger still, so their
    per-batch costs (a page of the live feed per group, say) are shared by more events."""

    def handle(self, events: Sequence[RecordedEvent]) -> None:
        """Apply a batch inside the subscriber's transaction. Raise to stop at the checkpoint."""
        raise NotImplementedError

    def after_commit(self, events: Sequence[RecordedEvent]) -> None:
        """Side effects once the batch has committed (live pushes). Never raises."""

    def outlets(self) -> Sequence[Outlet]:
        """Its outlets, each with its lag; most subscribers have none."""
        return ()


class Baker(Subscriber):
    """A subscriber that owns presentation tables, which it alone writes.

    A baker must be deterministic: its rows depend only on the events (times come from
    the events, never the clock), and it reads only its own tables. That is what lets
    `rebuild` and `verify` replay it from position 0 into scratch tables. Run inline
    (`inline_up_to`), its rows commit with the commands that caused them, and its live
    push leaves one hop after the submit.
    """

    models: ClassVar[tuple[type[models.Model], ...]] = ()


class Receptor(Subscriber):
    """A subscriber that turns one context's events into another context's commands.

    Each command's idempotency key is derived from (receptor, event position, index),
    so replaying an event submits nothing new.

    Receptors run inline for calm batches: a process manager acts in the executor's
    turn, and the commands it submits are claimed by that turn's next batch, not after
    another task's wake-up.
    """

    inline_up_to: ClassVar[int] = 500  # its batch size: a receptor inline costs two statements

    def react(self, event: RecordedEvent) -> Iterable[object]:
        raise NotImplementedError

    def handle(self, events: Sequence[RecordedEvent]) -> None:
        """Submit every command the batch calls for, in one statement."""
        submissions: list[Submission] = []
        for event in events:
            with log_context.bound(log_context.of_event(event)):  # for react's lines
                submissions += [
                    Submission(
                        command,
                        idempotency_key=f"{self.name}:{event.position}:{index}",
                        not_before=self.not_before(event, command),
                        correlation_id=event.metadata.correlation_id,
                        causation_id=event.metadata.command_id,
                    )
                    for index, command in enumerate(self.react(event))
                ]
        results = submit_many(submissions, actor=f"receptor:{self.name}")
        for given, result in zip(submissions, results, strict=True):
            if not result.same:
                # A replay derived a different command than the first time (code or a
                # setting changed since). The command already accepted stands.
                log.warning("%s: %s was already acted on; keeping the first command",
                            self.name, given.idempotency_key)  # fmt: skip

    def not_before(self, event: RecordedEvent, command: object) -> dt.datetime | None:
        """When a command should run; None for now. Scheduling receptors override it."""
        return None


class SubscriberRegistry:
    def __init__(self) -> None:
        self._by_name: dict[str, Subscriber] = {}

    def register(self, subscriber: Subscriber) -> Subscriber:
        known = self._by_name.get(subscriber.name)
        if known and type(known) is not type(subscriber):
            raise ValueError(f"subscriber name {subscriber.name!r} is already taken")
        self._by_name[subscriber.name] = subscriber
        return subscriber

    def named(self, name: str) -> Subscriber:
        try:
            return self._by_name[name]
        except KeyError:
            raise LookupError(f"no subscriber is named {name!r}") from None

    def all(self) -> list[Subscriber]:
        return list(self._by_name.values())

    def bakers(self) -> list[Baker]:
        return [s for s in self._by_name.values() if isinstance(s, Baker)]

    def interested_in(self, event_types: Iterable[str]) -> list[str]:
        wanted = set(event_types)
        return [
            s.name
            for s in self._by_name.values()
            if s.event_types is None or wanted & s.event_types
        ]


registry = SubscriberRegistry()


class SubscriberLock:
    """A session-level advisory lock: one runner per subscriber, across every host."""

    def __init__(self, name: str, wait_seconds: float = LOCK_WAIT_SECONDS) -> None:
        self.name = name
        self.wait_ms = int(wait_seconds * 1000)
        self.held = False

    def __enter__(self) -> SubscriberLock:
        with connection.cursor() as cursor:
            # Usually free: one round trip. Otherwise wait, as long as `wait_seconds`.
            cursor.execute(
                "SELECT pg_try_advisory_lock(%s, hashtext(%s))", [SUBSCRIBER_LOCK, self.name]
            )
            self.held = cursor.fetchone()[0]
            if self.held or self.wait_ms <= 0:
                return self
            cursor.execute(f"SET lock_timeout = {self.wait_ms}")
            try:
                cursor.execute(
                    "SELECT pg_advisory_lock(%s, hashtext(%s))", [SUBSCRIBER_LOCK, self.name]
                )
                self.held = True
            except Exception:  # timed out: another runner is busy with it and will catch up
                self.held = False
            finally:
                cursor.execute("SET lock_timeout = 0")
        return self

    def __exit__(self, *exc: object) -> None:
        if self.held:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_advisory_unlock(%s, hashtext(%s))", [SUBSCRIBER_LOCK, self.name]
                )


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
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s, hashtext(%s))",
                           [SUBSCRIBER_LOCK, name])  # fmt: skip
            if not cursor.fetchone()[0]:
                return False
        _ensure_checkpoint(name)
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
            _ensure_checkpoint(self.subscriber.name)
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
            checkpoint = _lock_checkpoint(self.subscriber.name)
            events, new_checkpoint = self._read(checkpoint)
            if new_checkpoint <= checkpoint:
                return None
            if events:
                self.subscriber.handle(events)
            _save_checkpoint(self.subscriber.name, new_checkpoint)
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
            checkpoint = _lock_checkpoint(self.subscriber.name)
            events, _ = self._read(checkpoint)
        for event in events:
            with log_context.bound(log_context.of_event(event)):
                try:
                    with transaction.atomic():
                        if _lock_checkpoint(self.subscriber.name) >= event.position:
                            continue
                        self.subscriber.handle([event])
                        _save_checkpoint(self.subscriber.name, event.position)
                        self._notify_after_commit([event])
                except Exception as error:
                    _record_failure(self.subscriber.name, event, error)
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


def _ensure_checkpoint(name: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO eventstore_checkpoint (name, position, status, error, updated_at)"
            " VALUES (%s, 0, 'ok', '', now()) ON CONFLICT (name) DO NOTHING",
            [name],
        )


def _lock_checkpoint(name: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT position FROM eventstore_checkpoint WHERE name = %s FOR UPDATE", [name]
        )
        return cursor.fetchone()[0]


def _save_checkpoint(name: str, position: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE eventstore_checkpoint SET position = %s, status = 'ok', error = '',"
            " failed_position = NULL, last_run_at = clock_timestamp(), updated_at = now()"
            " WHERE name = %s",
            [position, name],
        )


def _record_failure(name: str, event: RecordedEvent, error: Exception) -> None:
    log.error("%s stopped at event %s (%s): %s", name, event.position, event.type, error)
    detail = "".join(traceback.format_exception(error))[-4000:]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE eventstore_checkpoint SET status = 'failed', error = %s,"
            " failed_position = %s, last_run_at = clock_timestamp(), updated_at = now()"
            " WHERE name = %s",
            [f"event {event.position} ({event.type}): {detail}", event.position, name],
        )


def lag() -> dict[str, int]:
    """Every subscriber's lag: the global head minus its checkpoint."""
    head = store.head_position()
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, position FROM eventstore_checkpoint")
        positions = dict(cursor.fetchall())
    return {s.name: head - positions.get(s.name, 0) for s in registry.all()}
