"""Reading: streams, several streams, or the whole log in global order, each row
decoded by the registry (upcast to the event's current version)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any
from uuid import UUID

from eventstore.registry import EventRegistry
from eventstore.store.cursor import raw_cursor
from eventstore.store.records import RecordedEvent

_COLUMNS = (
    "position, stream_id, stream_type, version, type, schema_version, data, metadata, recorded_at"
)


class Reading:
    events: EventRegistry

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
