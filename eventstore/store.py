"""Append to streams and read them back, on the caller's Django connection and transaction.

Appends go through the `eventstore_append` and `eventstore_append_many` database
functions (migrations 0002 and 0006), which serialize appenders until commit so that
`read_all` after a checkpoint never skips an event that commits late, and refuse an
append at the wrong version or of another type than the stream's.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import psycopg
from django.db import connection
from psycopg.types.datetime import TimestamptzLoader
from psycopg.types.json import Jsonb, JsonbLoader

from eventstore.codec import decode, encode
from eventstore.registry import EventRegistry, registry


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

    __slots__ = ("_metadata", "data", "position", "recorded_at", "stream_id", "stream_type",
                 "type", "version")  # fmt: skip

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
        return (self.position, self.stream_id, self.stream_type, self.version, self.type,
                self.data, self.metadata, self.recorded_at)  # fmt: skip

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RecordedEvent) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self.position)

    def __repr__(self) -> str:
        return (
            f"RecordedEvent(position={self.position}, type={self.type!r}, "
            f"stream_id={self.stream_id}, version={self.version}, data={self.data!r})"
        )


def raw_cursor() -> psycopg.Cursor:
    """A server-side-binding cursor on Django's connection (and so its transaction) that
    decodes jsonb.

    Django's own cursors bind parameters client-side, quoting every array element into
    the SQL text, and hand jsonb back as text for its JSONField to parse; the event
    store's batch statements are several times faster without either.
    """
    connection.ensure_connection()
    cursor = psycopg.Cursor(connection.connection)
    cursor.adapters.register_loader("jsonb", JsonbLoader)
    cursor.adapters.register_loader("timestamptz", TimestamptzLoader)  # Django's is slower
    return cursor


_APPEND_MANY = (
    "SELECT * FROM eventstore_append_many("
    "%s::uuid[], %s::text[], %s::int[], %s::text[], %s::smallint[], %s::jsonb, %s::jsonb)"
)
_COLUMNS = (
    "position, stream_id, stream_type, version, type, schema_version, data, metadata, recorded_at"
)


class EventStore:
    def __init__(self, events: EventRegistry = registry) -> None:
        self.events = events

    def append(
        self,
        stream_id: UUID,
        stream_type: str,
        events: Sequence[object],
        expected_version: int,
        metadata: Metadata,
    ) -> list[int]:
        """Append `events` to a stream; return their positions in order.

        Run inside the caller's transaction: the events become visible at its commit, and
        the append lock is held until then, so commit soon after appending.
        """
        if not events:
            return []
        if expected_version < ExpectedVersion.ANY:
            raise ValueError(f"expected_version {expected_version} is not a version")
        stored = [self.events.to_stored(event) for event in events]
        params = [
            stream_id,
            stream_type,
            int(expected_version),
            [name for name, _, _ in stored],
            [schema_version for _, schema_version, _ in stored],
            [Jsonb(data) for _, _, data in stored],
            Jsonb(encode(metadata)),
        ]
        try:
            with raw_cursor() as cursor:
                cursor.execute(
                    "SELECT eventstore_append(%s, %s, %s, %s, %s::smallint[], %s, %s)", params
                )
                positions = [row[0] for row in cursor.fetchall()]
        except psycopg.errors.UniqueViolation as error:
            # A concurrent appender to the same stream won the version race.
            raise ConcurrencyError(stream_id, expected_version, None) from error
        except psycopg.Error as error:
            if (refusal := _refusal(error)) is None:
                raise
            raise refusal from None
        return sorted(positions)

    def append_many(self, appends: Sequence[NewEvents]) -> list[list[int]]:
        """Append to several streams in one round trip; return each append's positions.

        Every stream must be exactly at its expected version and of its stream type
        (nothing is written otherwise). Same lock and the same guarantees as `append`,
        for a batch of commands.
        """
        appends = [a for a in appends if a.events]
        if not appends:
            return []
        rows: list[tuple] = []
        for new in appends:
            metadata = encode(new.metadata)
            for offset, event in enumerate(new.events, start=1):
                name, schema_version, data = self.events.to_stored(event)
                rows.append((new.stream_id, new.stream_type, new.expected_version + offset,
                             name, schema_version, data, metadata))  # fmt: skip
        # Payloads travel as one JSON array each: one dump, no per-element array quoting.
        *columns, data, metadata = [list(column) for column in zip(*rows, strict=True)]
        columns += [Jsonb(data), Jsonb(metadata)]
        try:
            with raw_cursor() as cursor:
                cursor.execute(_APPEND_MANY, columns)
                positions = {(row[1], row[2]): row[0] for row in cursor.fetchall()}
        except psycopg.errors.UniqueViolation as error:
            first = appends[0]
            raise ConcurrencyError(first.stream_id, first.expected_version, None) from error
        except psycopg.Error as error:
            if (refusal := _refusal(error)) is None:
                raise
            raise refusal from None
        return [
            [positions[(a.stream_id, a.expected_version + n)] for n in range(1, len(a.events) + 1)]
            for a in appends
        ]

    def read_stream(
        self, stream_id: UUID, from_version: int = 1, to_version: int | None = None
    ) -> list[RecordedEvent]:
        """A stream's events with `from_version <= version <= to_version`, in order."""
        sql = f"SELECT {_COLUMNS} FROM eventstore_event WHERE stream_id = %s AND version >= %s"
        params: list[Any] = [stream_id, from_version]
        if to_version is not None:
            sql += " AND version <= %s"
            params.append(to_version)
        with raw_cursor() as cursor:
            cursor.execute(sql + " ORDER BY version", params)
            return [self._decode(row) for row in cursor.fetchall()]

    def read_streams(self, stream_ids: Sequence[UUID]) -> list[RecordedEvent]:
        """Every event of several streams: each stream's events in version order."""
        if not stream_ids:
            return []
        with raw_cursor() as cursor:
            cursor.execute(
                f"SELECT {_COLUMNS} FROM eventstore_event WHERE stream_id = ANY(%s)"
                " ORDER BY stream_id, version",
                [list(stream_ids)],
            )
            return [self._decode(row) for row in cursor.fetchall()]

    def read_streams_after(self, versions: dict[UUID, int]) -> list[RecordedEvent]:
        """Each stream's events after the version given for it, in version order."""
        if not versions:
            return []
        with raw_cursor() as cursor:
            cursor.execute(
                f"SELECT {_COLUMNS} FROM eventstore_event AS e"
                " JOIN unnest(%s::uuid[], %s::int[]) AS k(stream, after)"
                " ON e.stream_id = k.stream AND e.version > k.after"
                " ORDER BY e.stream_id, e.version",
                [list(versions), list(versions.values())],
            )
            return [self._decode(row) for row in cursor.fetchall()]

    def read_all(
        self,
        after: int = 0,
        limit: int = 1000,
        types: Sequence[str] | None = None,
        up_to: int | None = None,
    ) -> list[RecordedEvent]:
        """Up to `limit` events with `after < position <= up_to`, in global order,
        optionally only those of the given `types`."""
        sql = f"SELECT {_COLUMNS} FROM eventstore_event WHERE position > %s"
        params: list[Any] = [after]
        if types is not None:
            sql += " AND type = ANY(%s)"
            params.append(list(types))
        if up_to is not None:
            sql += " AND position <= %s"
            params.append(up_to)
        with raw_cursor() as cursor:
            cursor.execute(sql + " ORDER BY position LIMIT %s", [*params, limit])
            return [self._decode(row) for row in cursor.fetchall()]

    def iter_all(
        self,
        after: int = 0,
        page: int = 1000,
        types: Sequence[str] | None = None,
        up_to: int | None = None,
    ) -> Iterator[RecordedEvent]:
        """Every event after `after`, paged so memory stays flat however long the log."""
        while batch := self.read_all(after, page, types, up_to):
            yield from batch
            after = batch[-1].position

    def stream_version(self, stream_id: UUID) -> int:
        """The stream's head version; 0 when it has no events."""
        with raw_cursor() as cursor:
            cursor.execute(
                "SELECT coalesce(max(version), 0) FROM eventstore_event WHERE stream_id = %s",
                [stream_id],
            )
            return cursor.fetchone()[0]

    def stream_type(self, stream_id: UUID) -> str | None:
        """The type the stream was created with; None while it has no events.

        The append functions read the same head row (one backward index probe) to refuse
        events of another type, so a caller can check an id before submitting to it.
        """
        with raw_cursor() as cursor:
            cursor.execute(
                "SELECT stream_type FROM eventstore_event WHERE stream_id = %s"
                " ORDER BY version DESC LIMIT 1",
                [stream_id],
            )
            row = cursor.fetchone()
        return row[0] if row else None

    def head_position(self) -> int:
        """The global head: the highest committed position, 0 for an empty store."""
        with raw_cursor() as cursor:
            cursor.execute("SELECT coalesce(max(position), 0) FROM eventstore_event")
            return cursor.fetchone()[0]

    def _decode(self, row: tuple) -> RecordedEvent:
        position, stream_id, stream_type, version, name, schema_version, data, meta, at = row
        return RecordedEvent(
            position,
            stream_id,
            stream_type,
            version,
            name,
            self.events.from_stored(name, schema_version, data),
            meta,
            at,
        )


def _refusal(error: psycopg.Error) -> Exception | None:
    """The append functions' refusals (SE409, SE422) as the store's own errors."""
    if error.sqlstate not in ("SE409", "SE422"):
        return None
    detail = json.loads(error.diag.message_detail or "{}")
    stream_id = UUID(detail["stream_id"])
    if error.sqlstate == "SE422":
        return StreamTypeError(stream_id, detail["refused"], detail["stream_type"])
    return ConcurrencyError(stream_id, detail["expected"], detail["actual"])


store = EventStore()
"""The event store over the process-wide event registry."""
