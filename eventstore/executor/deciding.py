"""Deciding: each command in arrival order, on its stream's state as the batch's earlier
commands left it; a rejection or a failure stays the command's own."""

from __future__ import annotations

import traceback
from typing import Any
from uuid import UUID

from django.db import transaction

from eventstore import log_context
from eventstore.commands import CommandRegistry, Handler
from eventstore.executor.batch import Claimed, Outcome, context, initial
from eventstore.executor.read_ahead import ReadAhead
from eventstore.executor.recording import append_pending
from eventstore.models import Command
from eventstore.states import StreamKey, stream_owners
from eventstore.store import EventStore, StreamTypeError


class Decider:
    def __init__(self, registry: CommandRegistry, events: EventStore) -> None:
        self.registry = registry
        self.store = events

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
            with log_context.bound(context(command)):
                outcomes.append(self._decide_one(command, states, owners, reads, outcomes))
        return outcomes

    def _decide_one(
        self,
        command: Claimed,
        states: dict[StreamKey, tuple[Any, int]],
        owners: dict[UUID, str],
        reads: ReadAhead,
        outcomes: list[Outcome],
    ) -> Outcome:
        outcome = Outcome(command)
        try:
            outcome.handler = handler = self.registry.named(command.service_name, command.operation)
            key = (handler.stream_type, command.stream_id)
            owner = owners.get(command.stream_id, handler.stream_type)
            if owner != handler.stream_type:
                raise StreamTypeError(command.stream_id, handler.stream_type, owner)
            state, version = states.get(key) or initial(handler)
            if handler.reads_other_streams and handler.reads is None:
                append_pending(self.store, outcomes)  # what it reads includes earlier commands
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
            outcome.status = Command.Status.REJECTED if rejected else Command.Status.FAILED
            outcome.error = describe(error, with_traceback=not rejected)
        return outcome

    def _decide(
        self, handler: Handler, state: Any, claimed: Claimed, reads: ReadAhead, outcomes: list
    ) -> list[object]:
        command = reads.decoded.pop(claimed.id, None) or handler.decode(claimed.payload)
        if handler.reads is not None:
            streams = list(dict.fromkeys(handler.reads(command)))
            if reads.stale(streams):  # written earlier in this batch: append, read again
                append_pending(self.store, outcomes)
                reads.refresh(streams)
            command = handler.prepare(command, reads.events(streams))
        elif handler.prepare:
            with transaction.atomic():  # a failing read must not abort the whole batch
                command = handler.prepare(command)
        return list(handler.decide(state, command))


def describe(error: Exception, with_traceback: bool) -> dict:
    described = {"type": type(error).__name__, "detail": str(error) or type(error).__name__}
    if with_traceback:
        described["traceback"] = "".join(traceback.format_exception(error))[-4000:]
    return described
