"""Append to streams and read them back, on the caller's Django connection and transaction.

Appends go through the `eventstore_append` database function (see migration 0002),
which serializes appenders until commit so that `read_all` after a checkpoint never
skips an event that commits late.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import psycopg
from django.db import connection
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


@dataclass(frozen=True, slots=True)
class Metadata:
    """Who and what caused an event: carried by every event, stored as jsonb."""

    actor: str
    command_id: UUID | None = None
    correlation_id: UUID | None = None
    causation_id: UUID | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RecordedEvent:
    position: int
    stream_id: UUID
    stream_type: str
    version: int
    type: str
    data: Any
    metadata: Metadata
    recorded_at: dt.datetime


def _cursor() -> psycopg.Cursor:
    """A cursor on Django's connection (and so its transaction) that decodes jsonb.

    Django's own cursors hand jsonb back as text for its JSONField to parse.
    """
    connection.ensure_connection()
    cursor = connection.connection.cursor()
    cursor.adapters.register_loader("jsonb", JsonbLoader)
    return cursor


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
            with _cursor() as cursor:
                cursor.execute(
                    "SELECT eventstore_append(%s, %s, %s, %s, %s::smallint[], %s, %s)", params
                )
                positions = [row[0] for row in cursor.fetchall()]
        except psycopg.errors.UniqueViolation as error:
            # A concurrent appender to the same stream won the version race.
            raise ConcurrencyError(stream_id, expected_version, None) from error
        except psycopg.Error as error:
            if error.sqlstate == "SE409":
                actual = int(error.diag.message_detail or 0)
                raise ConcurrencyError(stream_id, expected_version, actual) from None
            raise
        return sorted(positions)

    def read_stream(
        self, stream_id: UUID, from_version: int = 1, to_version: int | None = None
    ) -> list[RecordedEvent]:
        """A stream's events with `from_version <= version <= to_version`, in order."""
        sql = f"SELECT {_COLUMNS} FROM eventstore_event WHERE stream_id = %s AND version >= %s"
        params: list[Any] = [stream_id, from_version]
        if to_version is not None:
            sql += " AND version <= %s"
            params.append(to_version)
        with _cursor() as cursor:
            cursor.execute(sql + " ORDER BY version", params)
            return [self._decode(row) for row in cursor.fetchall()]

    def read_streams(self, stream_ids: Sequence[UUID]) -> list[RecordedEvent]:
        """Every event of several streams: each stream's events in version order."""
        if not stream_ids:
            return []
        with _cursor() as cursor:
            cursor.execute(
                f"SELECT {_COLUMNS} FROM eventstore_event WHERE stream_id = ANY(%s)"
                " ORDER BY stream_id, version",
                [list(stream_ids)],
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
        with _cursor() as cursor:
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
        with _cursor() as cursor:
            cursor.execute(
                "SELECT coalesce(max(version), 0) FROM eventstore_event WHERE stream_id = %s",
                [stream_id],
            )
            return cursor.fetchone()[0]

    def head_position(self) -> int:
        """The global head: the highest committed position, 0 for an empty store."""
        with _cursor() as cursor:
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
            decode(Metadata, meta),
            at,
        )


store = EventStore()
"""The event store over the process-wide event registry."""
