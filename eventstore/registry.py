"""Stable names for event types, their schema versions and upcasters.

Stored events name their type (`sales.OrderPlaced`) and the schema version they were
written with, never a Python path: classes can move and be renamed, stored names stay.
When a payload's shape changes, the class's schema version goes up and an upcaster
keyed by (name, old version) lifts old payloads, one version at a time, on read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, is_dataclass
from typing import Any

from eventstore.codec import Decoder, decoder_for, encode

Upcaster = Callable[[dict], dict]


class UnknownEventType(LookupError):
    """A stored or appended event whose type no context has registered."""

    def __init__(self, name: str) -> None:
        super().__init__(f"unknown event type {name!r}: no registered event class has this name")
        self.name = name


class MissingUpcaster(LookupError):
    def __init__(self, name: str, schema_version: int) -> None:
        super().__init__(f"no upcaster lifts {name!r} from schema version {schema_version}")


@dataclass(frozen=True)
class EventType:
    name: str
    cls: type
    schema_version: int
    decoder: Decoder


class EventRegistry:
    def __init__(self) -> None:
        self._by_name: dict[str, EventType] = {}
        self._by_class: dict[type, EventType] = {}
        self._upcasters: dict[tuple[str, int], Upcaster] = {}

    def register(self, name: str, cls: type, schema_version: int = 1) -> type:
        if not is_dataclass(cls):
            raise TypeError(f"{cls.__name__} must be a dataclass to be an event")
        known = self._by_name.get(name)
        if known and known.cls is not cls:
            raise ValueError(f"event name {name!r} is already taken by {known.cls.__qualname__}")
        event_type = EventType(name, cls, schema_version, decoder_for(cls))
        self._by_name[name] = event_type
        self._by_class[cls] = event_type
        return cls

    def upcaster(self, name: str, from_version: int) -> Callable[[Upcaster], Upcaster]:
        """Register a function that lifts a payload of `name` from `from_version` to the next."""

        def register(function: Upcaster) -> Upcaster:
            self._upcasters[(name, from_version)] = function
            return function

        return register

    def type_of(self, event: object) -> EventType:
        try:
            return self._by_class[type(event)]
        except KeyError:
            raise UnknownEventType(type(event).__qualname__) from None

    def to_stored(self, event: object) -> tuple[str, int, dict]:
        event_type = self.type_of(event)
        return event_type.name, event_type.schema_version, encode(event)

    def from_stored(self, name: str, schema_version: int, data: dict) -> Any:
        event_type = self._by_name.get(name)
        if event_type is None:
            raise UnknownEventType(name)
        while schema_version < event_type.schema_version:
            lift = self._upcasters.get((name, schema_version))
            if lift is None:
                raise MissingUpcaster(name, schema_version)
            data = lift(data)
            schema_version += 1
        return event_type.decoder(data)

    def names(self) -> list[str]:
        return sorted(self._by_name)


registry = EventRegistry()
"""The process-wide registry: each context's handlers module registers its events here."""
