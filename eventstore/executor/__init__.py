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

The parts, in a batch's order: `claiming` (the commands and their streams' states),
`read_ahead` and `deciding`, `recording`; `slots` limits how many executors run at once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection
from functools import partial
from uuid import UUID

import psycopg
from django.db import DatabaseError, transaction

from eventstore import wakeups
from eventstore.commands import CommandRegistry, commands
from eventstore.executor.batch import Outcome
from eventstore.executor.claiming import MAX_STREAMS_PER_BATCH, claim, load_states
from eventstore.executor.deciding import Decider, describe
from eventstore.executor.recording import record
from eventstore.executor.slots import EXECUTOR_LOCK, ExecutorSlot
from eventstore.models import Command
from eventstore.states import StateCache
from eventstore.store import ConcurrencyError, EventStore, StreamTypeError, store

__all__ = ["BATCH_SIZE", "EXECUTOR_LOCK", "MAX_STREAMS_PER_BATCH", "Executor", "executor"]

log = logging.getLogger(__name__)

BATCH_SIZE = 200
CONFLICT_RETRIES = 5


class Executor:
    def __init__(
        self,
        registry: CommandRegistry = commands,
        events: EventStore = store,
        streams: Collection[UUID] | None = None,
    ) -> None:
        self.registry = registry
        self.store = events
        self.decider = Decider(registry, events)
        self.states = StateCache()
        self.more = False  # the last run's turn ended with commands still ready
        # Only these streams' commands, when given: a caller that waits for its own
        # commands (seed_demo --wait) leaves a backlog to the workers.
        self.streams = list(streams) if streams is not None else None

    def run(
        self,
        batch_size: int = BATCH_SIZE,
        max_batches: int | None = None,
        turn: float | None = None,
    ) -> int:
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
                    claimed = claim(batch_size, self.registry, self.streams)
                    if not claimed:
                        return 0
                    states = load_states(claimed, self.registry, self.store, self.states)
                    outcomes = self.decider.decide_all(claimed, states)
                    record(self.store, outcomes)
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
            claimed = claim(batch_size, self.registry, self.streams)
            states = load_states(claimed, self.registry, self.store, self.states)
            for command in claimed:
                attempt = {k: state for k, state in states.items() if k[1] == command.stream_id}
                try:
                    with transaction.atomic():
                        record(self.store, self.decider.decide_all([command], attempt))
                    states.update(attempt)
                except StreamTypeError as error:  # its id was taken by an earlier command
                    taken = Outcome(
                        command, Command.Status.REJECTED, describe(error, with_traceback=False)
                    )
                    record(self.store, [taken])
                except (DatabaseError, psycopg.Error) as error:
                    failed = Outcome(
                        command, Command.Status.FAILED, describe(error, with_traceback=True)
                    )
                    record(self.store, [failed])
        return len(claimed)


executor = Executor()
