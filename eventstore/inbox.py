"""Submitting commands: a pending row in the inbox, and a wake-up after commit."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from django.db import connection, transaction
from psycopg.types.json import Jsonb
from structlog.contextvars import get_contextvars

from eventstore import wakeups
from eventstore.codec import encode
from eventstore.commands import CommandRegistry, commands
from eventstore.models import Command
from eventstore.store import raw_cursor

# Advisory-lock namespaces (the two-int form; the append lock uses the one-bigint form).
SUBMIT_LOCK = 1
EXECUTE_LOCK = 2

PENDING_SQL = f"'{Command.Status.PENDING}'"
"""The pending status as an SQL literal. It is the enum's constant value, spelled out in
the statements rather than passed as a parameter, so that the planner matches the
pending commands' partial index (`command_pending_idx`)."""
READY = f"status = {PENDING_SQL} AND not_before <= now()"
"""A command ready to run, in SQL."""


class IdempotencyConflict(Exception):
    """The idempotency key was already used by this actor for a different command."""

    def __init__(self, key: str, command_id: UUID) -> None:
        super().__init__(f"idempotency key {key!r} was already used for another command")
        self.key = key
        self.command_id = command_id


@dataclass(frozen=True)
class Submitted:
    command_id: UUID
    created: bool  # False when an earlier submission was found by its key
    same: bool = True  # False when that earlier submission was another command


@dataclass(frozen=True)
class Submission:
    """One command of `submit_many`, with what `submit` takes besides the actor."""

    command: object
    idempotency_key: str | None = None
    not_before: dt.datetime | None = None
    correlation_id: UUID | None = None
    causation_id: UUID | None = None


def submit(
    command: object,
    *,
    actor: str,
    idempotency_key: str | None = None,
    not_before: dt.datetime | None = None,
    correlation_id: UUID | None = None,
    causation_id: UUID | None = None,
    registry: CommandRegistry = commands,
) -> Submitted:
    """Accept a command: write it to the inbox as pending and wake the executor after commit.

    Commands on one stream commit one after another (a per-stream lock), so their
    creation order is their arrival order. Without a `correlation_id` the command joins
    the conversation it is submitted in (`conversation`).
    """
    handler = registry.for_command(command)
    stream_id = handler.stream_of(command)
    payload = encode(command)
    command_id = uuid.uuid4()
    correlation_id = correlation_id or conversation() or command_id
    row = [
        command_id, handler.service, handler.operation, stream_id, Jsonb(payload), actor,
        idempotency_key, correlation_id, causation_id, not_before, None,
    ]  # fmt: skip
    with connection.cursor() as cursor:  # one statement: atomic in or out of a transaction
        if not _insert_pending(cursor, row):
            return _earlier_submission(
                cursor, handler.name, stream_id, payload, actor, idempotency_key
            )
    return Submitted(command_id, created=True)


def conversation() -> UUID | None:
    """The correlation id bound to this context's log lines, if any: a request's id
    (`shop.request_ids`), a command's while the executor decides it, an event's while a
    subscriber handles it. A command submitted there is part of that story."""
    bound = get_contextvars().get("correlation_id")
    return UUID(str(bound)) if bound else None


def submit_many(
    submissions: Sequence[Submission], *, actor: str, registry: CommandRegistry = commands
) -> list[Submitted]:
    """Accept several commands of one actor in one statement, in the order given; how a
    receptor submits what a batch of events calls for.

    Each stream's submit lock is taken first (in one order for every caller, so two
    submitters never deadlock), then every row is inserted. A submission whose key was
    used already is not inserted: its result names the earlier command, with `same`
    False if that was another command (`submit` would raise `IdempotencyConflict`).
    """
    if not submissions:
        return []
    rows, payloads = [], []
    bound = conversation()
    for given in submissions:
        handler = registry.for_command(given.command)
        command_id = uuid.uuid4()
        payloads.append(encode(given.command))
        rows.append((
            command_id, handler.service, handler.operation, handler.stream_of(given.command),
            given.idempotency_key, given.correlation_id or bound or command_id, given.causation_id,
            given.not_before,
        ))  # fmt: skip
    columns = [list(column) for column in zip(*rows, strict=True)]
    with raw_cursor() as cursor:
        cursor.execute(INSERT_MANY, [*columns, Jsonb(payloads), SUBMIT_LOCK, actor])
        created = {row[0] for row in cursor.fetchall()}
        earlier = _earlier_by_key(cursor, actor, [r[4] for r in rows if r[0] not in created])
    if created:
        transaction.on_commit(wakeups.wake_executor)
    results = []
    for row, payload in zip(rows, payloads, strict=True):
        if row[0] in created:
            results.append(Submitted(row[0], created=True))
            continue
        earlier_id, name, stream_id, earlier_payload = earlier[row[4]]
        same = (name, stream_id, earlier_payload) == (f"{row[1]}.{row[2]}", row[3], payload)
        results.append(Submitted(earlier_id, created=False, same=same))
    return results


def resubmit(command_id: UUID, *, actor: str) -> Submitted:
    """Submit a stored command again, as `actor`: how staff retry a failed command.

    The copy has the original's service, operation, stream and payload, stays in its
    conversation (same correlation id), and names it as its cause and in `retry_of`, so
    the inbox links the two. It runs after whatever is already pending on the stream.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT service_name, operation, stream_id, payload, correlation_id"
            " FROM eventstore_command WHERE id = %s",
            [command_id],
        )
        found = cursor.fetchone()
    if found is None:
        raise LookupError(f"no command {command_id} in the inbox")
    service, operation, stream_id, payload, correlation_id = found
    payload = json.loads(payload) if isinstance(payload, str) else payload
    new_id = uuid.uuid4()
    row = [
        new_id, service, operation, stream_id, Jsonb(payload), actor, None, correlation_id,
        command_id, None, command_id,
    ]  # fmt: skip
    with transaction.atomic(), connection.cursor() as cursor:
        _insert_pending(cursor, row)
    return Submitted(new_id, created=True)


COLUMNS = """eventstore_command
        (id, service_name, operation, stream_id, payload, actor, idempotency_key,
         correlation_id, causation_id, not_before, retry_of, status, positions)"""
"""The inbox table and the columns a submit writes."""

INSERT_PENDING = f"""
    WITH stream_lock AS (SELECT pg_advisory_xact_lock(%s, hashtext(%s)))
    INSERT INTO {COLUMNS}
    SELECT %s::uuid, %s, %s, %s::uuid, %s::jsonb, %s, %s, %s::uuid, %s::uuid,
           coalesce(%s::timestamptz, now()), %s::uuid, {PENDING_SQL}, '[]'
    FROM stream_lock
    ON CONFLICT (actor, idempotency_key) DO NOTHING
    RETURNING id
"""
"""One pending command, in one statement: the stream's submit lock (held to commit, so
a stream's commands commit in arrival order), then the row, unless its idempotency key
was used already. Parameters: `_lock_args(row) + row`."""


INSERT_MANY = f"""
    WITH given AS (
        SELECT * FROM unnest(%s::uuid[], %s::text[], %s::text[], %s::uuid[], %s::text[],
                             %s::uuid[], %s::uuid[], %s::timestamptz[])
            WITH ORDINALITY AS g(id, service_name, operation, stream_id, idempotency_key,
                                 correlation_id, causation_id, not_before, n)
        JOIN jsonb_array_elements(%s::jsonb) WITH ORDINALITY AS p(payload, n) USING (n)
    ), stream_locks AS (
        SELECT count(*) FROM (
            SELECT pg_advisory_xact_lock(%s, h)
            FROM (SELECT DISTINCT hashtext(stream_id::text) AS h FROM given ORDER BY 1) AS s
        ) AS taken
    )
    INSERT INTO {COLUMNS}
    SELECT id, service_name, operation, stream_id, payload, %s, idempotency_key,
           correlation_id, causation_id, coalesce(not_before, now()), NULL, {PENDING_SQL}, '[]'
    FROM given, stream_locks
    ORDER BY n
    ON CONFLICT (actor, idempotency_key) DO NOTHING
    RETURNING id
"""
"""Several pending commands of one actor in one statement: every stream's submit lock,
taken in hash order, then the rows in the order given (so in `seq` order), each unless
its key was used already."""


def _lock_args(row: list) -> list:
    return [SUBMIT_LOCK, str(row[3])]


def _insert_pending(cursor, row: list) -> bool:
    """Insert one pending command (False when its idempotency key was used already), in
    stream order, and wake the executor once the caller's transaction commits."""
    cursor.execute(INSERT_PENDING, _lock_args(row) + row)
    if cursor.fetchone() is None:
        return False
    transaction.on_commit(wakeups.wake_executor)
    return True


def _earlier_by_key(cursor, actor: str, keys: list[str | None]) -> dict[str, tuple]:
    """The earlier commands of `actor` under `keys`: id, name, stream and payload."""
    if not keys:
        return {}
    cursor.execute(
        "SELECT idempotency_key, id, service_name || '.' || operation, stream_id, payload"
        " FROM eventstore_command WHERE actor = %s AND idempotency_key = ANY(%s)",
        [actor, keys],
    )
    return {row[0]: row[1:] for row in cursor.fetchall()}


def _earlier_submission(
    cursor, name: str, stream_id: UUID, payload: dict, actor: str, key: str | None
) -> Submitted:
    cursor.execute(
        "SELECT id, service_name || '.' || operation, stream_id, payload"
        " FROM eventstore_command WHERE actor = %s AND idempotency_key = %s",
        [actor, key],
    )
    earlier_id, earlier_name, earlier_stream, earlier_payload = cursor.fetchone()
    if (earlier_name, earlier_stream, json.loads(earlier_payload)) != (name, stream_id, payload):
        raise IdempotencyConflict(key or "", earlier_id)
    return Submitted(earlier_id, created=False)
