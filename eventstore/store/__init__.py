"""Append to streams and read them back, on the caller's Django connection and transaction.

Appends go through the `eventstore_append` and `eventstore_append_many` database
functions (migrations 0002 and 0006), which serialize appenders until commit so that
`read_all` after a checkpoint never skips an event that commits late, and refuse an
append at the wrong version or of another type than the stream's.

The store is two halves over one event registry (`eventstore.registry`), which encodes
and decodes every event: `appending` and `reading`. `records` holds the values it takes
and gives, `cursor` the raw cursor its statements (and a few others') run on.
"""

from __future__ import annotations

from eventstore.registry import EventRegistry, registry
from eventstore.store.appending import Appending
from eventstore.store.cursor import raw_cursor
from eventstore.store.reading import Reading
from eventstore.store.records import (
    ConcurrencyError,
    ExpectedVersion,
    Metadata,
    NewEvents,
    RecordedEvent,
    StreamTypeError,
)

__all__ = [
    "ConcurrencyError",
    "EventStore",
    "ExpectedVersion",
    "Metadata",
    "NewEvents",
    "RecordedEvent",
    "StreamTypeError",
    "raw_cursor",
    "store",
]


class EventStore(Appending, Reading):
    def __init__(self, events: EventRegistry = registry) -> None:
        self.events = events


store = EventStore()
"""The event store over the process-wide event registry."""
