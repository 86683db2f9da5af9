"""Replaying a baker from position 0 into scratch tables: to rebuild it, or to verify it.

The scratch tables live in a schema of their own, created `LIKE` the live ones. The
baker runs with that schema first on the `search_path`, so its ordinary ORM code writes
the scratch tables while the events table still resolves to the live one. The long
replay runs beside live traffic; only the last stretch (events that arrived meanwhile)
and the swap or the comparison run under the baker's lock, in one transaction.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.db import connection, transaction

from eventstore.models import Checkpoint
from eventstore.store import EventStore, store
from eventstore.subscribers import Baker, SubscriberLock

Progress = Callable[[int, int], None]
"""Called with (position reached, target position) as the replay goes."""

SAMPLE_ROWS = 5
REBUILD_LOCK_WAIT = 60  # seconds; a live runner hands the lock on every TURN_SECONDS
REBUILT = (
    "INSERT INTO eventstore_checkpoint (name, position, status, error, updated_at,"
    " last_run_at) VALUES (%s, %s, %s, '', now(), now())"
    " ON CONFLICT (name) DO UPDATE SET position = EXCLUDED.position,"
    " status = EXCLUDED.status, error = '', failed_position = NULL,"
    " updated_at = now(), last_run_at = now()"
)
"""The rebuilt baker's checkpoint: at the head it was rebuilt to, and its status ok."""


@dataclass
class TableDiff:
    table: str
    only_live: int
    only_rebuilt: int
    samples: list[str] = field(default_factory=list)

    @property
    def equal(self) -> bool:
        return self.only_live == 0 and self.only_rebuilt == 0


class Replay:
    """One baker's scratch copy, replayed from position 0."""

    def __init__(self, baker: Baker, events: EventStore = store, progress: Progress | None = None):
        if not baker.models:
            raise ValueError(f"{baker.name} declares no tables to rebuild")
        self.baker = baker
        self.store = events
        self.progress = progress or (lambda position, target: None)
        self.schema = "rebuild_" + re.sub(r"[^a-z0-9_]", "_", baker.name.lower())
        self.tables = [model._meta.db_table for model in baker.models]
        self.position = 0

    def create(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')
            cursor.execute(f'CREATE SCHEMA "{self.schema}"')
            for table in self.tables:
                cursor.execute(
                    f'CREATE TABLE "{self.schema}"."{table}" (LIKE public."{table}" INCLUDING ALL)'
                )

    def drop(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')

    def run_to(self, target: int) -> None:
        """Apply every event in (self.position, target] to the scratch tables, batch by batch."""
        types = sorted(self.baker.event_types) if self.baker.event_types else None
        while self.position < target:
            with transaction.atomic(), self.scratch_first():
                batch = self.store.read_all(self.position, self.baker.batch_size, types, target)
                if batch:
                    self.baker.handle(batch)
            self.position = batch[-1].position if batch else target
            self.progress(self.position, target)

    @contextlib.contextmanager
    def scratch_first(self) -> Iterator[None]:
        """Inside a transaction: unqualified table names resolve to the scratch copies."""
        with connection.cursor() as cursor:
            cursor.execute(f'SET LOCAL search_path TO "{self.schema}", public')
        yield

    def diff(self) -> list[TableDiff]:
        return [self._diff_table(table) for table in self.tables]

    def _diff_table(self, table: str) -> TableDiff:
        live, rebuilt = f'public."{table}"', f'"{self.schema}"."{table}"'
        with connection.cursor() as cursor:
            counts = []
            samples = []
            for left, right, label in ((live, rebuilt, "live"), (rebuilt, live, "rebuilt")):
                query = f"SELECT * FROM {left} EXCEPT ALL SELECT * FROM {right}"
                cursor.execute(f"SELECT count(*) FROM ({query}) AS d")
                counts.append(cursor.fetchone()[0])
                cursor.execute(f"SELECT d::text FROM ({query}) AS d LIMIT {SAMPLE_ROWS}")
                samples += [f"only {label}: {row}" for (row,) in cursor.fetchall()]
        return TableDiff(table, counts[0], counts[1], samples)

    def swap_in(self) -> None:
        """Replace the live tables' rows with the scratch rows (inside a transaction)."""
        tables = ", ".join(f'public."{table}"' for table in self.tables)
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {tables}")
            for table in self.tables:
                cursor.execute(
                    f'INSERT INTO public."{table}" SELECT * FROM "{self.schema}"."{table}"'
                )


def _checkpoint(name: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT position FROM eventstore_checkpoint WHERE name = %s", [name])
        row = cursor.fetchone()
    return row[0] if row else 0


def rebuild(baker: Baker, progress: Progress | None = None) -> int:
    """Rebuild a baker's tables from position 0 while live traffic goes on, then swap them
    in atomically. Returns the position the rebuilt tables stand at."""
    replay = Replay(baker, progress=progress)
    replay.create()
    try:
        replay.run_to(store.head_position())
        with SubscriberLock(baker.name, wait_seconds=REBUILD_LOCK_WAIT) as lock:
            if not lock.held:
                raise RuntimeError(f"{baker.name} is busy; try the rebuild again")
            with transaction.atomic():
                head = store.head_position()
                replay.run_to(head)
                replay.swap_in()
                with connection.cursor() as cursor:
                    cursor.execute(REBUILT, [baker.name, head, Checkpoint.Status.OK])
        return head
    finally:
        replay.drop()


def verify(baker: Baker, progress: Progress | None = None) -> list[TableDiff]:
    """Replay a baker into scratch tables up to its live checkpoint and compare every table."""
    replay = Replay(baker, progress=progress)
    replay.create()
    try:
        replay.run_to(_checkpoint(baker.name))
        with SubscriberLock(baker.name, wait_seconds=REBUILD_LOCK_WAIT) as lock:
            if not lock.held:
                raise RuntimeError(f"{baker.name} is busy; try verify again")
            with transaction.atomic():
                replay.run_to(_checkpoint(baker.name))
                return replay.diff()
    finally:
        replay.drop()
