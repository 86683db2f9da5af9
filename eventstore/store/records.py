"""What the store takes and gives: metadata, the events to append, the events it
recorded, and its two refusals."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from eventstore.codec import decode


class ExpectedVersion(enum.IntEnum):
    """Special expected versions; any other expectation is the exact head version."""

    ANY = -1
    NO_STREAM = 0


class ConcurrencyError(Exception):
    """The stream was not at the expected version. Nothing was written."""

    def __init__(self, stream_id: UUID, expected: int, actual: int | None) -> None:
        super().__init__(f"stream {stream_id} is at version {actual}, expected {expected}")
        self.stream_id = stream_id
        self.expected = expected
        self.actual = actual


class StreamTypeError(Exception):
    """The stream exists with another type: its id is taken. Nothing was written."""

    def __init__(self, stream_id: UUID, stream_type: str, actual: str) -> None:
        super().__init__(
            f"stream {stream_id} is a {actual} stream, so it cannot take {stream_type} events"
        )
        self.stream_id = stream_id
        self.stream_type = stream_type
        self.actual = actual


@dataclass(frozen=True, slots=True)
class Metadata:
    """Who and what caused an event: carried by every event, stored as jsonb."""

    actor: str
    command_id: UUID | None = None
    correlation_id: UUID | None = None
    causation_id: UUID | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class NewEvents:
    """Events for one stream, to append at exactly `expected_version` with `append_many`."""

    stream_id: UUID
    stream_type: str
    events: Sequence[object]
    expected_version: int
    metadata: Metadata


class RecordedEvent:
    """One stored event: where it sits, what it says (`data`) and who caused it.

    `metadata` is decoded on first use: most readers (bakers folding thousands of
    events) never look at it, and its ids cost more to parse than the event itself.
    """

    __slots__ = (
        "_metadata",
        "data",
        "position",
        "recorded_at",
        "stream_id",
        "stream_type",
        "type",
        "version",
    )

    def __init__(
        self,
        position: int,
        stream_id: UUID,
        stream_type: str,
        version: int,
        type: str,
        data: Any,
        metadata: Metadata | dict,
        recorded_at: dt.datetime,
    ) -> None:
        self.position = position
        self.stream_id = stream_id
        self.stream_type = stream_type
        self.version = version
        self.type = type
        self.data = data
        self._metadata = metadata
        self.recorded_at = recorded_at

    @property
    def metadata(self) -> Metadata:
        if isinstance(self._metadata, dict):
            self._metadata = decode(Metadata, self._metadata)
        return self._metadata

    def _key(self) -> tuple:
        return (
            self.position,
            self.stream_id,
            self.stream_type,
            self.version,
            self.type,
            self.data,
            self.metadata,
            self.recorded_at,
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RecordedEvent) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self.position)

    def __repr__(self) -> str:
        return (
            f"RecordedEvent(position={self.position}, type={self.type!r}, "
            f"stream_id={self.stream_id}, version={self.version}, data={self.data!r})"
        )
