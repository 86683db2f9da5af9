"""Checkpoints: where each subscriber is in the log (its lag behind the head), and where
and why it stopped. They are written in the caller's transaction, so a batch's
checkpoint commits with its rows.
"""

from __future__ import annotations

import logging
import traceback

from django.db import connection, transaction

from eventstore.models import Checkpoint
from eventstore.store import RecordedEvent, store
from eventstore.subscribers.kinds import registry

log = logging.getLogger("eventstore.subscribers")  # the package's one logger

# The statuses are the enum's constant values, spelled out in the statements.
ENSURE = (
    "INSERT INTO eventstore_checkpoint (name, position, status, error, updated_at)"
    f" VALUES (%s, 0, '{Checkpoint.Status.OK}', '', now()) ON CONFLICT (name) DO NOTHING"
)
SAVE = (
    f"UPDATE eventstore_checkpoint SET position = %s, status = '{Checkpoint.Status.OK}',"
    " error = '', failed_position = NULL, last_run_at = clock_timestamp(), updated_at = now()"
    " WHERE name = %s"
)
FAIL = (
    f"UPDATE eventstore_checkpoint SET status = '{Checkpoint.Status.FAILED}', error = %s,"
    " failed_position = %s, last_run_at = clock_timestamp(), updated_at = now()"
    " WHERE name = %s"
)


def ensure_checkpoint(name: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(ENSURE, [name])


def lock_checkpoint(name: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT position FROM eventstore_checkpoint WHERE name = %s FOR UPDATE", [name]
        )
        return cursor.fetchone()[0]


def save_checkpoint(name: str, position: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(SAVE, [position, name])


def record_failure(name: str, event: RecordedEvent, error: Exception) -> None:
    log.error("%s stopped at event %s (%s): %s", name, event.position, event.type, error)
    detail = "".join(traceback.format_exception(error))[-4000:]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            FAIL,
            [f"event {event.position} ({event.type}): {detail}", event.position, name],
        )


def lag() -> dict[str, int]:
    """Every subscriber's lag: the global head minus its checkpoint."""
    head = store.head_position()
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, position FROM eventstore_checkpoint")
        positions = dict(cursor.fetchall())
    return {s.name: head - positions.get(s.name, 0) for s in registry.all()}
