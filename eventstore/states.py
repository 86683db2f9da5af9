"""Folded stream states, kept per stream type and id.

A client chooses some stream ids (a cart's), so one id may be asked for as two types;
keying states by both keeps a cart command from ever folding, or deciding on, a
shipment's events.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Any
from uuid import UUID

StreamKey = tuple[str, UUID]
"""(stream type, stream id): states are kept per key, so two types never share one."""


@dataclass(frozen=True)
class TakenBy:
    """The state of a key whose id is already a stream of another type."""

    stream_type: str


class StateCache:
    """Folded stream states this process has seen committed, most recently used kept.

    A cached state is never wrong, only possibly old: events are immutable, so the
    executor folds whatever came after the cached version on top of it.
    """

    def __init__(self, size: int = 10_000) -> None:
        self.size = size
        self._states: OrderedDict[StreamKey, tuple[Any, int]] = OrderedDict()

    def get(self, key: StreamKey) -> tuple[Any, int] | None:
        found = self._states.get(key)
        if found is not None:
            self._states.move_to_end(key)
        return found

    def remember(self, states: dict[StreamKey, tuple[Any, int]]) -> None:
        for key, (state, version) in states.items():
            if not isinstance(state, TakenBy):
                self._states[key] = (state, version)
                self._states.move_to_end(key)
        while len(self._states) > self.size:
            self._states.popitem(last=False)

    def clear(self) -> None:
        self._states.clear()


def stream_owners(states: dict[StreamKey, tuple[Any, int]]) -> dict[UUID, str]:
    """The type of each stream id that already has events."""
    return {
        stream: state.stream_type if isinstance(state, TakenBy) else stream_type
        for (stream_type, stream), (state, version) in states.items()
        if version > 0
    }
