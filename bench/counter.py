"""A bench-only aggregate for the executor figure: a counter that takes `Bump` commands.

Its domain is as small as a real one gets (fold an int, check the command, emit one
event), so the figure shows what the executor costs rather than a context's rules.
Importing this module registers the command and its event, as a context's handlers do.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from eventstore.commands import Aggregate, commands
from eventstore.registry import registry

STREAM_TYPE = "bench.Counter"
EVENT_TYPE = "bench.Bumped"


class CounterError(Exception):
    """A bump the counter refuses."""


@dataclass(frozen=True)
class Bump:
    counter_id: UUID
    by: int


@dataclass(frozen=True)
class Bumped:
    counter_id: UUID
    by: int
    total: int


def evolve(total: int, event: Bumped) -> int:
    return event.total


def decide(total: int, command: Bump) -> list[Bumped]:
    if command.by <= 0:
        raise CounterError("a counter only goes up")
    return [Bumped(command.counter_id, command.by, total + command.by)]


registry.register(EVENT_TYPE, Bumped)
COUNTER = Aggregate(
    stream_type=STREAM_TYPE,
    stream_of=lambda command: command.counter_id,
    initial_state=int,
    evolve=evolve,
    decide=decide,
    rejection=CounterError,
)
commands.register_aggregate(COUNTER, {"bench.Bump": Bump})
