"""An aggregate's state as of version N: the fold of its first N events.

The fold uses the same `initial_state` and `evolve` the executor decides commands
with (the handler registered for the stream's type), so the page shows exactly what
the domain would have seen then: "what did this order look like on Tuesday".
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventstore.commands import CommandRegistry, commands
from eventstore.store import EventStore, store


@dataclass(frozen=True)
class StateAsOf:
    stream_type: str
    version: int
    head: int
    state: Any

    @property
    def class_name(self) -> str:
        return type(self.state).__qualname__

    def fields(self) -> list[tuple[str, str]]:
        """Each top-level field with its value as indented JSON."""
        if not dataclasses.is_dataclass(self.state):
            return [("value", as_text(self.state))]
        return [
            (f.name, as_text(getattr(self.state, f.name))) for f in dataclasses.fields(self.state)
        ]


class NoFold(LookupError):
    """The stream has no events, or no context registered a handler for its type."""


def state_as_of(
    stream_id: UUID,
    version: int | None = None,
    events: EventStore = store,
    registry: CommandRegistry = commands,
) -> StateAsOf:
    """Fold the stream's events up to `version` (its head when None)."""
    recorded = events.read_stream(stream_id)
    if not recorded:
        raise NoFold(f"stream {stream_id} has no events")
    stream_type = recorded[0].stream_type
    handler = registry.for_stream_type(stream_type)
    if handler is None:
        raise NoFold(f"no context registered a handler for {stream_type} streams")
    head = recorded[-1].version
    upto = head if version is None else max(0, min(version, head))
    state = handler.initial_state()
    for event in recorded[:upto]:
        state = handler.evolve(state, event.data)
    return StateAsOf(stream_type, upto, head, state)


def plain(value: Any) -> Any:
    """Any state value as JSON values, for display: dataclasses become objects, sets
    sorted lists, money and ids strings."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return plain(value.value)
    if isinstance(value, set | frozenset):
        return sorted((plain(item) for item in value), key=str)
    if isinstance(value, tuple | list):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    return value


def as_text(value: Any) -> str:
    return json.dumps(plain(value), indent=2, ensure_ascii=False, default=str)
