"""The executor: claims pending commands, decides them, appends their events, in batches.

One batch is one transaction. It locks the streams it claims (other workers skip them),
folds each stream once, decides every command in arrival order, then appends all the
new events and marks every command done, rejected or failed. Events are appended at the
end (or just before a command that reads other streams), so the global append lock (see
`eventstore.store`) is held only from the first append to the commit.

A batch the database refuses for any other reason than a version conflict (a payload
Postgres cannot store, say) is run again one command at a time, each in a savepoint,
so the one bad command fails alone and never blocks its batch or its stream.

A stream is its type and its id (`StreamKey`): a command whose stream id already holds a
stream of another type (a cart command aimed at a shipment's id) is rejected, and the
stream keeps its own state and commands. The append functions refuse the same in SQL.

Each command leaves a line once its batch commits, carrying its `command_id` and
`correlation_id` (`eventstore.log_context`) as every line logged while it is decided does: "command
rejected" at INFO, "command failed" at ERROR, and "command done" at DEBUG only, as a
line costs about a tenth of what executing a command does. The inbox keeps every
command's outcome whatever the level.
"""

from __future__ import annotations

import json
import logging
import time
import traceback
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from functools import partial
from typing import Any
from uuid import UUID

import psycopg
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from psycopg.types.json import Jsonb

from eventstore import log_context, metrics, subscribers, wakeups
from eventstore.commands import CommandRegistry, Handler, commands
from eventstore.inbox import EXECUTE_LOCK
from eventstore.reservations import reserve
from eventstore.states import StateCache, StreamKey, TakenBy, stream_owners
from eventstore.store import (
    ConcurrencyError,
    EventStore,
    Metadata,
    NewEvents,
    RecordedEvent,
    StreamTypeError,
    raw_cursor,
    store,
)

log = logging.getLogger(__name__)

BATCH_SIZE = 200
EXECUTOR_LOCK = 4  # advisory-lock namespace of the executor's run slots
MAX_STREAMS_PER_BATCH = 100
CONFLICT_RETRIES = 5
OUTCOME_LEVELS = {"done": logging.DEBUG, "rejected": logging.INFO, "failed": logging.ERROR}


@dataclass
class Claimed:
    id: UUID
    service_name: str
    operation: str
    stream_id: UUID
    payload: dict
    actor: str
    correlation_id: UUID
    causation_id: UUID | None


@dataclass
class Outcome:
    command: Claimed
    status: str = "done"
    error: dict | None = None
    handler: Handler | None = None
    events: list[object] = field(default_factory=list)
    expected_version: int = 0
    positions: list[int] = field(default_factory=list)


class Executor:
    def __init__(
        self, registry: CommandRegistry = commands, events: EventStore = store,
        streams: Collection[UUID] | None = None,
    ) -> None:  # fmt: skip
        self.registry = registry
        self.store = events
        self.states = StateCache()
        self.more = False  # the last run's turn ended with commands still ready
        # Only these streams' commands, when given: a caller that waits for its own
        # commands (seed_demo --wait) leaves a backlog to the workers.
        self.streams = list(streams) if streams is not None else None

    def run(
        self, batch_size: int = BATCH_SIZE, max_batches: int | None = None,
        turn: float | None = None,
    ) -> int:  # fmt: skip
        """Execute batches until nothing is ready, or until the turn is over (`more` then
        says so, and the caller hands the rest on); return how many commands ran."""
        total = batches = 0
        deadline = time.monotonic() + turn if turn else None
        self.more = False
        while max_batches is None or batches < max_batches:
            if deadline and time.monotonic() > deadline:
                self.more = True
                break
            executed = self.run_batch(batch_size)
            if not executed:
                break
            total += executed
            batches += 1
        return total

    def woken(self, turn: float) -> int:
        """Run for a wake-up (the Celery task): in one of `SHOP_EXECUTOR_RUNS` slots, for
        a turn at a time, never waiting for a slot (`wakeups.serve`)."""
        return wakeups.serve(wakeups.EXECUTE_COMMANDS, turn=partial(self._turn, seconds=turn))

    def _turn(self, started: Callable[[], None], seconds: float) -> wakeups.Turn:
        with ExecutorSlot() as slot:
            if slot.held is None:
                return wakeups.Turn(held=False)
            started()
            executed = self.run(turn=seconds)
        return wakeups.Turn(executed, more=self.more)

    def run_batch(self, batch_size: int = BATCH_SIZE) -> int:
        for _ in range(CONFLICT_RETRIES):
            try:
                with transaction.atomic():
                    claimed = self.claim(batch_size)
                    if not claimed:
                        return 0
                    states = self._load_states(claimed)
                    outcomes = self.decide_all(claimed, states)
                    self.record(outcomes)
                self.states.remember(states)  # only once the batch has committed
                return len(claimed)
            except ConcurrencyError as conflict:
                # Someone appended to a claimed stream outside the executor: fold again.
                log.info("version conflict, retrying the batch: %s", conflict)
                self.states.clear()
            except (DatabaseError, psycopg.Error, StreamTypeError) as error:
                log.warning("batch refused by the database (%s); one command at a time", error)
                return self._run_one_by_one(batch_size)
        raise RuntimeError(f"a batch kept conflicting after {CONFLICT_RETRIES} attempts")

    def _run_one_by_one(self, batch_size: int) -> int:
        self.states.clear()
        with transaction.atomic():
            claimed = self.claim(batch_size)
            states = self._load_states(claimed)
            for command in claimed:
                attempt = {k: state for k, state in states.items() if k[1] == command.stream_id}
                try:
                    with transaction.atomic():
                        self.record(self.decide_all([command], attempt))
                    states.update(attempt)
                except StreamTypeError as error:  # its id was taken by an earlier command
                    taken = Outcome(command, "rejected", _describe(error, with_traceback=False))
                    self.record([taken])
                except (DatabaseError, psycopg.Error) as error:
                    failed = Outcome(command, "failed", _describe(error, with_traceback=True))
                    self.record([failed])
        return len(claimed)

    def claim(self, batch_size: int) -> list[Claimed]:
        """Lock the streams of the oldest ready commands that no other worker holds, then
        take those streams' ready commands in arrival order, and the streams they reserve
        (`eventstore.reservations`)."""
        only, streams = (
            ("", []) if self.streams is None else ("AND stream_id = ANY(%s)", [self.streams])
        )
        with raw_cursor() as cursor:
            cursor.execute(
                f"""
                WITH ready AS (
                    SELECT stream_id, min(seq) AS first_seq FROM eventstore_command
                    WHERE status = 'pending' AND not_before <= now() {only}
                    GROUP BY stream_id ORDER BY first_seq LIMIT %s
                )
                SELECT stream_id FROM ready
                WHERE pg_try_advisory_xact_lock(%s, hashtext(stream_id::text))
                """,
                [*streams, MAX_STREAMS_PER_BATCH, EXECUTE_LOCK],
            )
            streams = [row[0] for row in cursor.fetchall()]
            if not streams:
                return []
            # A fresh statement, so commands another worker finished meanwhile are not seen.
            cursor.execute(
                """
                SELECT id, service_name, operation, stream_id, payload, actor,
                       correlation_id, causation_id
                FROM eventstore_command
                WHERE stream_id = ANY(%s) AND status = 'pending' AND not_before <= now()
                ORDER BY seq LIMIT %s FOR UPDATE
                """,
                [streams, batch_size],
            )
            rows = cursor.fetchall()
        return reserve([Claimed(*row[:4], _json(row[4]), *row[5:]) for row in rows], self.registry)

    def decide_all(
        self, claimed: list[Claimed], states: dict[StreamKey, tuple[Any, int]]
    ) -> list[Outcome]:
        """Decide every command in arrival order; `states` moves forward as they succeed.

        A command is rejected when its stream id exists, or is created earlier in the
        batch, with another stream type. Each is decided in its own log context.
        """
        owners = stream_owners(states)
        reads = ReadAhead(self.store, self.registry, claimed)
        outcomes = []
        for command in claimed:
            with log_context.bound(_context(command)):
                outcomes.append(self._decide_one(command, states, owners, reads, outcomes))
        return outcomes

    def _decide_one(
        self, command: Claimed, states: dict[StreamKey, tuple[Any, int]],
        owners: dict[UUID, str], reads: ReadAhead, outcomes: list[Outcome],
    ) -> Outcome:  # fmt: skip
        outcome = Outcome(command)
        try:
            outcome.handler = handler = self.registry.named(command.service_name, command.operation)
            key = (handler.stream_type, command.stream_id)
            owner = owners.get(command.stream_id, handler.stream_type)
            if owner != handler.stream_type:
                raise StreamTypeError(command.stream_id, handler.stream_type, owner)
            state, version = states.get(key) or self._initial(handler)
            if handler.reads_other_streams and handler.reads is None:
                self._append_pending(outcomes)  # what it reads includes earlier commands
            events = self._decide(handler, state, command, reads, outcomes)
            for event in events:
                self.store.events.to_stored(event)  # an unencodable event fails here
                state = handler.evolve(state, event)
            outcome.events, outcome.expected_version = events, version
            states[key] = (state, version + len(events))
            if events:
                owners[command.stream_id] = handler.stream_type
                reads.written(command.stream_id)
        except Exception as error:
            rejected = isinstance(error, StreamTypeError) or (
                outcome.handler and isinstance(error, outcome.handler.rejection)
            )
            outcome.status = "rejected" if rejected else "failed"
            outcome.error = _describe(error, with_traceback=not rejected)
        return outcome

    def _append_pending(self, outcomes: list[Outcome]) -> None:
        """Append the events of every decided command not appended yet, in one go."""
        pending = [o for o in outcomes if o.events and not o.positions]
        batches = self.store.append_many(
            [
                NewEvents(o.command.stream_id, o.handler.stream_type, o.events,
                          o.expected_version, _metadata(o.command))
                for o in pending
            ]
        )  # fmt: skip
        for outcome, positions in zip(pending, batches, strict=True):
            outcome.positions = positions

    def record(self, outcomes: list[Outcome]) -> None:
        """Append every command's events, then mark every command (and say so once
        that commits)."""
        self._append_pending(outcomes)
        transaction.on_commit(partial(_log_outcomes, outcomes))
        appended = sum(len(o.events) for o in outcomes)
        appended_types = {self.store.events.type_of(e).name for o in outcomes for e in o.events}
        with raw_cursor() as cursor:
            cursor.execute(
                """
                UPDATE eventstore_command AS c
                SET status = o.status, error = o.error, positions = o.positions,
                    executed_at = clock_timestamp()
                FROM unnest(%s::uuid[], %s::text[], %s::jsonb[], %s::jsonb[])
                    AS o(id, status, error, positions)
                WHERE c.id = o.id
                RETURNING c.id,
                    extract(epoch FROM c.executed_at - greatest(c.created_at, c.not_before))
                """,
                [
                    [o.command.id for o in outcomes],
                    [o.status for o in outcomes],
                    [Jsonb(o.error) if o.error else None for o in outcomes],
                    [Jsonb(o.positions) for o in outcomes],
                ],
                binary=True,
            )
            waited = {id: float(seconds) for id, seconds in cursor.fetchall()}
        transaction.on_commit(partial(metrics.executed, [
            (o.command.service_name, o.command.operation, o.status, waited[o.command.id])
            for o in outcomes
        ]))  # fmt: skip
        if appended_types:
            names = subscribers.registry.interested_in(appended_types)
            done = {name for name in names if _ran_inline(name, appended)}
            transaction.on_commit(
                lambda: wakeups.wake_subscribers([name for name in names if name not in done])
            )

    def _load_states(self, claimed: list[Claimed]) -> dict[StreamKey, tuple[Any, int]]:
        """Each claimed stream's state: the cached fold plus any events after it, read in
        one query for the whole batch. Events of another type make the state `TakenBy`."""
        handlers: dict[StreamKey, Handler] = {}
        for command in claimed:
            try:
                handler = self.registry.named(command.service_name, command.operation)
            except LookupError:
                continue  # decide_all marks it failed
            handlers.setdefault((handler.stream_type, command.stream_id), handler)
        states = {key: self.states.get(key) or self._initial(h) for key, h in handlers.items()}
        keys: dict[UUID, list[StreamKey]] = {}
        after: dict[UUID, int] = {}
        for key, (_, version) in states.items():
            keys.setdefault(key[1], []).append(key)
            after[key[1]] = min(version, after.get(key[1], version))
        for event in self.store.read_streams_after(after):
            for key in keys[event.stream_id]:
                state, version = states[key]
                if event.version <= version or isinstance(state, TakenBy):
                    continue
                if event.stream_type != key[0]:
                    states[key] = (TakenBy(event.stream_type), event.version)
                else:
                    states[key] = (handlers[key].evolve(state, event.data), event.version)
        return states

    @staticmethod
    def _initial(handler: Handler) -> tuple[Any, int]:
        return handler.initial_state(), 0

    def _decide(
        self, handler: Handler, state: Any, claimed: Claimed, reads: ReadAhead, outcomes: list
    ) -> list[object]:
        command = reads.decoded.pop(claimed.id, None) or handler.decode(claimed.payload)
        if handler.reads is not None:
            streams = list(dict.fromkeys(handler.reads(command)))
            if reads.stale(streams):  # written earlier in this batch: append, read again
                self._append_pending(outcomes)
                reads.refresh(streams)
            command = handler.prepare(command, reads.events(streams))
        elif handler.prepare:
            with transaction.atomic():  # a failing read must not abort the whole batch
                command = handler.prepare(command)
        return list(handler.decide(state, command))


class ExecutorSlot:
    """One of `SHOP_EXECUTOR_RUNS` session advisory locks, tried without waiting."""

    def __init__(self) -> None:
        self.held: int | None = None

    def __enter__(self) -> ExecutorSlot:
        with connection.cursor() as cursor:
            for slot in range(settings.SHOP_EXECUTOR_RUNS):
                cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [EXECUTOR_LOCK, slot])
                if cursor.fetchone()[0]:
                    self.held = slot
                    break
        return self

    def __exit__(self, *exc: object) -> None:
        if self.held is not None:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [EXECUTOR_LOCK, self.held])


class ReadAhead:
    """The streams a batch's commands read (`Handler.reads`), read in one query before
    they are decided. A stream a command of the batch writes is stale from then on: it
    is read again, after the batch's pending events are appended, when next asked for."""

    def __init__(self, events: EventStore, registry: CommandRegistry, claimed: list) -> None:
        self.store = events
        self.decoded: dict[UUID, object] = {}  # the commands it decoded, by id, for `_decide`
        wanted: dict[UUID, None] = {}
        for command in claimed:
            try:
                handler = registry.named(command.service_name, command.operation)
                if handler.reads is not None:
                    self.decoded[command.id] = decoded = handler.decode(command.payload)
                    wanted.update(dict.fromkeys(handler.reads(decoded)))
            except Exception:  # a command that cannot be read fails as it is decided
                continue
        self.by_stream: dict[UUID, list[RecordedEvent]] = {}
        self._stale: set[UUID] = set()
        self.refresh(list(wanted))

    def written(self, stream_id: UUID) -> None:
        if stream_id in self.by_stream:
            self._stale.add(stream_id)

    def stale(self, stream_ids: list[UUID]) -> bool:
        return any(s in self._stale or s not in self.by_stream for s in stream_ids)

    def refresh(self, stream_ids: list[UUID]) -> None:
        self.by_stream.update({stream_id: [] for stream_id in stream_ids})
        for event in self.store.read_streams(stream_ids):
            self.by_stream[event.stream_id].append(event)
        self._stale.difference_update(stream_ids)

    def events(self, stream_ids: list[UUID]) -> list[RecordedEvent]:
        return [event for stream_id in stream_ids for event in self.by_stream[stream_id]]


def _ran_inline(name: str, appended: int) -> bool:
    """Run a subscriber in this transaction if it runs inline for a batch of `appended`
    events (`Subscriber.inline_up_to`); True when it caught up, so it needs no wake-up."""
    subscriber = subscribers.registry.named(name)
    return appended <= subscriber.inline_up_to and subscribers.Runner(subscriber).inline()


def _context(command: Claimed) -> dict[str, str]:
    return log_context.of_command(command.id, command.correlation_id)


def _log_outcomes(outcomes: list[Outcome]) -> None:
    for outcome in outcomes:
        level = OUTCOME_LEVELS[outcome.status]
        if not log.isEnabledFor(level):
            continue
        command = outcome.command
        fields = {
            "command": f"{command.service_name}.{command.operation}",
            "stream_id": str(command.stream_id),
            "events": len(outcome.events),
        }
        if command.causation_id:
            fields["causation_id"] = str(command.causation_id)
        if outcome.error:
            fields["reason"] = outcome.error["detail"]
        with log_context.bound(_context(command)):
            log.log(level, "command %s", outcome.status, extra=fields)


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _metadata(command: Claimed) -> Metadata:
    return Metadata(
        actor=command.actor,
        command_id=command.id,
        correlation_id=command.correlation_id,
        causation_id=command.id,
    )


def _describe(error: Exception, with_traceback: bool) -> dict:
    described = {"type": type(error).__name__, "detail": str(error) or type(error).__name__}
    if with_traceback:
        described["traceback"] = "".join(traceback.format_exception(error))[-4000:]
    return described


executor = Executor()
