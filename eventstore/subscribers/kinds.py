"""The kinds of subscriber (a baker, a receptor, or one of its own), and the registry
each context adds its subscribers to, at import."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import ClassVar

from django.db import models

from eventstore import log_context
from eventstore.inbox import Submission, submit_many
from eventstore.store import RecordedEvent

log = logging.getLogger("eventstore.subscribers")  # the package's one logger


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
                log.warning(
                    "%s: %s was already acted on; keeping the first command",
                    self.name,
                    given.idempotency_key,
                )

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
