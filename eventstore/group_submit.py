"""Submitting commands from an event loop, written together (group commit).

`inbox.submit` writes one command per transaction on Django's connection, which suits a
request thread. In an event loop (the API's hot paths) many requests are in flight at
once, and a round trip to Postgres per command costs more CPU in the client than
anything else the request does. `GroupSubmitter` writes them together: the submits
that arrive while a write is on its way wait for it, then go as one INSERT of many
rows, committed at once. Under light load each write holds one command and waits for
nothing; under heavy load a write holds what arrived during the last one.

A row is what `inbox.submit` writes for a command without an idempotency key: pending,
in its stream's order (the same per-stream submit lock, taken in stream order for the
whole statement), its own correlation. Each row may carry a `guard`, an SQL condition
with its parameters, checked in the same statement: while false, that row is not
written and its submit answers None. The hot paths check the caller's token that way.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from uuid import UUID

from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool

from eventstore.codec import encode
from eventstore.commands import CommandRegistry, commands
from eventstore.inbox import COLUMNS, SUBMIT_LOCK, Submitted

Guard = tuple[str, list]
MAX_ROWS = 256
"""Commands per statement at most; more wait for the next."""
WRITERS = 1
"""Statements on their way at once. One: a group is sent once the one before it has
committed, so commands on one stream commit in the order they were submitted even
when they fall in different groups."""


@dataclass
class _Pending:
    command_id: UUID
    stream_id: UUID
    values: list
    guard: Guard
    answer: asyncio.Future[Submitted | None] = field(repr=False)


class GroupSubmitter:
    """Submits from one event loop, written in groups on connections from `pool`."""

    def __init__(
        self,
        pool: Callable[[], Awaitable[AsyncConnectionPool]],
        registry: CommandRegistry = commands,
    ) -> None:
        self._pool = pool
        self._registry = registry
        self._waiting: list[_Pending] = []
        self._writers = 0

    async def submit(
        self, command: object, *, actor: str, guard: Guard | None = None
    ) -> Submitted | None:
        """Accept `command` as `actor`: its Submitted once committed, or None when its
        guard was false (nothing written). A database error is raised to every submit of
        the group, whose outcome is then unknown."""
        handler = self._registry.for_command(command)
        command_id = uuid.uuid4()
        stream_id = handler.stream_of(command)
        values = [command_id, handler.service, handler.operation, stream_id,
                  Jsonb(encode(command)), actor]  # fmt: skip
        pending = _Pending(
            command_id, stream_id, values, guard or ("TRUE", []),
            asyncio.get_running_loop().create_future(),
        )  # fmt: skip
        self._waiting.append(pending)
        if self._writers < WRITERS:
            self._writers += 1
            asyncio.get_running_loop().create_task(self._write_while_waiting())
        return await pending.answer

    async def _write_while_waiting(self) -> None:
        try:
            while self._waiting:
                group, self._waiting = self._waiting[:MAX_ROWS], self._waiting[MAX_ROWS:]
                try:
                    written = await self._write(group)
                except BaseException as error:
                    for pending in group:
                        if not pending.answer.done():
                            pending.answer.set_exception(error)
                    if not isinstance(error, Exception):
                        raise
                    continue
                for pending in group:
                    created = pending.command_id in written
                    result = Submitted(pending.command_id, created=True) if created else None
                    if not pending.answer.done():
                        pending.answer.set_result(result)
        finally:
            self._writers -= 1

    async def _write(self, group: list[_Pending]) -> set[UUID]:
        sql, parameters = insert_statement(group)
        pool = await self._pool()
        async with pool.connection() as conn:
            cursor = await conn.execute(sql, parameters)
            return {row[0] for row in await cursor.fetchall()}


def insert_statement(group: list[_Pending]) -> tuple[str, list]:
    """One INSERT of every row of `group` whose guard holds, after locking the streams."""
    rows, parameters = [], []
    for pending in group:
        condition, arguments = pending.guard
        rows.append(f"(%s::uuid, %s, %s, %s::uuid, %s::jsonb, %s, {condition})")
        parameters += [*pending.values, *arguments]
    streams = sorted({str(pending.stream_id) for pending in group})
    sql = f"""
        WITH stream_locks AS (
            SELECT count(pg_advisory_xact_lock({SUBMIT_LOCK}, hashtext(stream))) AS locked
            FROM (SELECT unnest(%s::text[]) AS stream ORDER BY 1) AS streams
        )
        INSERT INTO {COLUMNS}
        SELECT id, service, operation, stream, payload, actor, NULL, id, NULL, now(), NULL,
               'pending', '[]'
        FROM stream_locks, (VALUES {", ".join(rows)})
            AS input (id, service, operation, stream, payload, actor, allowed)
        WHERE allowed AND locked >= 0
        RETURNING id
    """
    return sql, [streams, *parameters]
