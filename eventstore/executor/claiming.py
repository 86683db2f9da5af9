"""Claiming: the ready commands of streams no other worker holds, locked for the batch,
and those streams' states, each folded once."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventstore.commands import CommandRegistry, Handler
from eventstore.executor.batch import Claimed, initial
from eventstore.inbox import EXECUTE_LOCK, READY
from eventstore.reservations import reserve
from eventstore.states import StateCache, StreamKey, TakenBy
from eventstore.store import EventStore, raw_cursor

MAX_STREAMS_PER_BATCH = 100

CLAIM_ROWS = f"""
    SELECT id, service_name, operation, stream_id, payload, actor,
           correlation_id, causation_id
    FROM eventstore_command
    WHERE stream_id = ANY(%s) AND {READY}
    ORDER BY seq LIMIT %s FOR UPDATE
"""
"""The claimed streams' ready commands, locked, in arrival order."""


def claim(
    batch_size: int, registry: CommandRegistry, only_streams: Sequence[UUID] | None = None
) -> list[Claimed]:
    """Lock the streams of the oldest ready commands that no other worker holds, then
    take those streams' ready commands in arrival order, and the streams they reserve
    (`eventstore.reservations`). Only `only_streams`' commands, when given."""
    only, streams = (
        ("", []) if only_streams is None else ("AND stream_id = ANY(%s)", [only_streams])
    )
    with raw_cursor() as cursor:
        cursor.execute(
            f"""
            WITH ready AS (
                SELECT stream_id, min(seq) AS first_seq FROM eventstore_command
                WHERE {READY} {only}
                GROUP BY stream_id ORDER BY first_seq LIMIT %s
            )
            SELECT stream_id FROM ready
            WHERE pg_try_advisory_xact_lock(%s, hashtext(stream_id::text))
            """,
            [*streams, MAX_STREAMS_PER_BATCH, EXECUTE_LOCK],
        )
        streams = [row[0] for row in cursor.fetchall()]
        if not streams:
            return []
        # A fresh statement, so commands another worker finished meanwhile are not seen.
        cursor.execute(CLAIM_ROWS, [streams, batch_size])
        rows = cursor.fetchall()
    return reserve([Claimed(*row[:4], _json(row[4]), *row[5:]) for row in rows], registry)


def load_states(
    claimed: list[Claimed], registry: CommandRegistry, events: EventStore, cache: StateCache
) -> dict[StreamKey, tuple[Any, int]]:
    """Each claimed stream's state: the cached fold plus any events after it, read in
    one query for the whole batch. Events of another type make the state `TakenBy`."""
    handlers: dict[StreamKey, Handler] = {}
    for command in claimed:
        try:
            handler = registry.named(command.service_name, command.operation)
        except LookupError:
            continue  # decide_all marks it failed
        handlers.setdefault((handler.stream_type, command.stream_id), handler)
    states = {key: cache.get(key) or initial(h) for key, h in handlers.items()}
    keys: dict[UUID, list[StreamKey]] = {}
    after: dict[UUID, int] = {}
    for key, (_, version) in states.items():
        keys.setdefault(key[1], []).append(key)
        after[key[1]] = min(version, after.get(key[1], version))
    for event in events.read_streams_after(after):
        for key in keys[event.stream_id]:
            state, version = states[key]
            if event.version <= version or isinstance(state, TakenBy):
                continue
            if event.stream_type != key[0]:
                states[key] = (TakenBy(event.stream_type), event.version)
            else:
                states[key] = (handlers[key].evolve(state, event.data), event.version)
    return states


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value
