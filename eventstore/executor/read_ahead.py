"""The streams a batch's commands read besides their own, read once for the batch."""

from __future__ import annotations

from uuid import UUID

from eventstore.commands import CommandRegistry
from eventstore.store import EventStore, RecordedEvent


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
