"""Appending: events encoded by the registry, written by the append functions in one
round trip, their refusals raised as the store's own errors."""

from __future__ import annotations

import json
from collections.abc import Sequence
from uuid import UUID

import psycopg
from psycopg.types.json import Jsonb

from eventstore.codec import encode
from eventstore.registry import EventRegistry
from eventstore.store.cursor import raw_cursor
from eventstore.store.records import (
    ConcurrencyError,
    ExpectedVersion,
    Metadata,
    NewEvents,
    StreamTypeError,
)

_APPEND_MANY = (
    "SELECT * FROM eventstore_append_many("
    "%s::uuid[], %s::text[], %s::int[], %s::text[], %s::smallint[], %s::jsonb, %s::jsonb)"
)


class Appending:
    events: EventRegistry

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


def _refusal(error: psycopg.Error) -> Exception | None:
    """The append functions' refusals (SE409, SE422) as the store's own errors."""
    if error.sqlstate not in ("SE409", "SE422"):
        return None
    detail = json.loads(error.diag.message_detail or "{}")
    stream_id = UUID(detail["stream_id"])
    if error.sqlstate == "SE422":
        return StreamTypeError(stream_id, detail["refused"], detail["stream_type"])
    return ConcurrencyError(stream_id, detail["expected"], detail["actual"])
