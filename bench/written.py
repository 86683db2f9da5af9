"""The rows the ordering process writes, and raw batched INSERTs of the same rows.

The process figure's baseline is what the database alone needs for the rows an order
leaves behind. A snapshot before the backlog counts every table of Shop's contexts and
the event store; the tables' growth after it is what the process wrote. The same rows
(copies of the run's own, read back as text) then go by plain psycopg into scratch
tables made `LIKE` each one `INCLUDING ALL` (columns, defaults, indexes; no triggers), in
batches of `BATCH` rows, one `INSERT ... SELECT FROM unnest(...)` and one transaction
each. Only inserts: the process's updates (a command marked done, an order's status)
have no counterpart there.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import psycopg
from psycopg import sql

from bench.databases import raw_connect

APPS = ("eventstore", "sales", "invoicing", "shipping", "cart")
BATCH = 500

_TABLES = """
    SELECT c.relname FROM pg_class c
    WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p')
      AND NOT c.relispartition AND c.relname ~ %s
    ORDER BY c.relname
"""
_COLUMNS = """
    SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute
    WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped AND attgenerated = ''
    ORDER BY attnum
"""


@dataclass(frozen=True)
class Snapshot:
    """Row counts of every table, and the transaction id that came before the run's."""

    counts: dict[str, int]
    xid: int


def snapshot(raw: psycopg.Connection) -> Snapshot:
    pattern = f"^({'|'.join(APPS)})_"
    tables = [name for (name,) in raw.execute(_TABLES, [pattern])]
    counts = {
        table: raw.execute(
            sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
        ).fetchone()[0]
        for table in tables
    }
    xid = raw.execute("SELECT pg_current_xact_id()::text::bigint % 4294967296").fetchone()[0]
    return Snapshot(counts, xid)


def written(raw: psycopg.Connection, before: Snapshot) -> dict[str, int]:
    """How many rows each table gained since `before` (tables that gained none left out)."""
    after = snapshot(raw).counts
    grown = {table: after[table] - before.counts.get(table, 0) for table in after}
    return {table: rows for table, rows in grown.items() if rows > 0}


def breakdown(rows: dict[str, int], orders: int) -> str:
    """Rows per order by table, most first: "eventstore_command 4, eventstore_event 3"."""
    ordered = sorted(rows.items(), key=lambda item: (-item[1], item[0]))
    return ", ".join(f"{table} {count / orders:.3g}" for table, count in ordered)


def insert_same_rows(raw: psycopg.Connection, rows: dict[str, int], since: int) -> float:
    """Insert copies of the rows the run wrote (`rows` per table, written by transactions
    from id `since` on) into scratch tables; return the seconds spent in the inserting
    transactions. Reading the rows back is not timed; the scratch tables are dropped."""
    spent = 0.0
    for table, count in rows.items():
        scratch = sql.Identifier(f"bench_raw_{table}")
        raw.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(scratch))
        raw.execute(
            sql.SQL("CREATE TABLE {} (LIKE {} INCLUDING ALL)").format(
                scratch, sql.Identifier(table)
            )
        )
        try:
            spent += _copy(raw, table, scratch, count, since)
        finally:
            raw.execute(sql.SQL("DROP TABLE {}").format(scratch))
    return spent


def _copy(
    raw: psycopg.Connection, table: str, scratch: sql.Identifier, count: int, since: int
) -> float:
    columns = raw.execute(_COLUMNS, [table]).fetchall()
    names = [sql.Identifier(name) for name, _ in columns]
    read = sql.SQL("SELECT {} FROM {} WHERE xmin::text::bigint >= %s LIMIT %s").format(
        sql.SQL(", ").join(sql.SQL("{}::text").format(name) for name in names),
        sql.Identifier(table),
    )
    slots = [sql.Identifier(f"c{n}") for n in range(len(columns))]
    insert = sql.SQL(
        "INSERT INTO {} ({}) OVERRIDING SYSTEM VALUE SELECT {} FROM unnest({}) AS u({})"
    ).format(
        scratch,
        sql.SQL(", ").join(names),
        sql.SQL(", ").join(
            sql.SQL("{}::{}").format(slot, sql.SQL(kind))
            for slot, (_, kind) in zip(slots, columns, strict=True)
        ),
        sql.SQL(", ").join(sql.SQL("%s::text[]") for _ in columns),
        sql.SQL(", ").join(slots),
    )
    spent, copied = 0.0, 0
    with raw_connect() as reader, reader.transaction():
        cursor = reader.cursor(name="bench_written")
        cursor.execute(read, [since, count])
        while batch := cursor.fetchmany(BATCH):
            arrays = [list(values) for values in zip(*batch, strict=True)]
            started = time.perf_counter()
            with raw.transaction():
                raw.execute(insert, arrays)
            spent += time.perf_counter() - started
            copied += len(batch)
    if copied != count:
        raise RuntimeError(f"{table}: found {copied} of the {count} rows the run wrote")
    return spent
