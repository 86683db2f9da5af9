"""Reservations: a claimed command may lock one more stream than its own.

Two commands on two streams that must never be decided at the same time on two workers
(a cancel of an order and a dispatch of its shipment) serialize on one stream: one of
them reserves the other's stream as it is claimed (`Handler.reserves`). The lock is the
executor's per-stream lock, tried without waiting, so workers never wait on each other
and never deadlock; a command whose reservation another worker holds stays pending.
"""

from __future__ import annotations

from typing import Any, Protocol, TypeVar
from uuid import UUID

from django.db import transaction

from eventstore import wakeups
from eventstore.commands import CommandRegistry
from eventstore.inbox import EXECUTE_LOCK
from eventstore.store import raw_cursor


class ClaimedCommand(Protocol):
    service_name: str
    operation: str
    stream_id: UUID
    payload: Any


C = TypeVar("C", bound=ClaimedCommand)


def reserve(claimed: list[C], registry: CommandRegistry) -> list[C]:
    """The claimed commands whose reservations this transaction now holds, in order.

    A command whose reserved stream another worker holds is left out, with every later
    command of its stream, so its stream keeps its order; a wake-up after commit brings
    it back once that worker is done.
    """
    held = {command.stream_id for command in claimed}
    waiting: set[UUID] = set()
    kept = []
    for command in claimed:
        reserved = None if command.stream_id in waiting else _reserved(command, registry)
        if reserved is not None and reserved not in held:
            if _try_lock(reserved):
                held.add(reserved)
            else:
                waiting.add(command.stream_id)
        if command.stream_id not in waiting:
            kept.append(command)
    if waiting:
        transaction.on_commit(wakeups.wake_executor)
    return kept


def _reserved(command: ClaimedCommand, registry: CommandRegistry) -> UUID | None:
    """The stream the command reserves; None when it reserves none, or when it cannot be
    read (the executor then fails it with the reason)."""
    try:
        handler = registry.named(command.service_name, command.operation)
        return handler.reserves(handler.decode(command.payload)) if handler.reserves else None
    except Exception:
        return None


def _try_lock(stream_id: UUID) -> bool:
    """The executor's lock on a stream (see its claim), until this transaction ends."""
    with raw_cursor() as cursor:
        cursor.execute(
            "SELECT pg_try_advisory_xact_lock(%s, hashtext(%s::text))", [EXECUTE_LOCK, stream_id]
        )
        return cursor.fetchone()[0]
