"""The benchmark databases, Django's connection to them, and raw psycopg beside it.

The figures run in databases of their own on the server the environment names, never in
the application's: the events table refuses DELETE and TRUNCATE, so whatever a run
appends stays, and it must not stay in anyone's data.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit, urlunsplit

import psycopg
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connection, connections

RAW_TABLE = "bench_raw_event"
RAW_INSERT = (
    f"INSERT INTO {RAW_TABLE} (stream_id, stream_type, version, type, schema_version, data,"
    " metadata) VALUES (%s, %s, %s, %s, %s, %s, %s)"
)
_DJANGO_ONLY_OPTIONS = {"server_side_binding", "pool", "isolation_level", "assume_role"}


def url_for_database(url: str, name: str) -> str:
    """`url` with its path (the database name) replaced by `name`."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def ensure_database(url: str, name: str, fresh: bool = False) -> None:
    """Create database `name` on `url`'s server if missing; drop it first when `fresh`."""
    with psycopg.connect(url, autocommit=True) as admin:
        if fresh:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            admin.execute(f'CREATE DATABASE "{name}"')


def current_url() -> str:
    """DATABASE_URL for the database Django's connection points at now, for child processes.

    The environment's URL names the server (`python -m bench` rewrites it, a test run
    leaves the application's); the name comes from the live settings.
    """
    return url_for_database(os.environ["DATABASE_URL"], connection.settings_dict["NAME"])


def switch_database(name: str) -> None:
    """Point Django's default connection, in every thread, at database `name`.

    Threads build their connections from this one settings dict, so changing it here
    moves them all; open connections close first, and the pool, which keeps the database
    it was opened on, so none keeps talking to the old one.
    """
    connections.close_all()
    connections[DEFAULT_DB_ALIAS].close_pool()
    connections.settings[DEFAULT_DB_ALIAS]["NAME"] = name
    connection.settings_dict["NAME"] = name


def use_database(name: str) -> None:
    """Switch to database `name` and bring its schema up to date."""
    switch_database(name)
    call_command("migrate", verbosity=0, interactive=False)


def raw_connect() -> psycopg.Connection:
    """A plain psycopg connection (its defaults, autocommit) to Django's current database.

    Plain means psycopg's own defaults, not Django's: server-side binding and prepared
    statements after five runs, as a hand-written psycopg program would get.
    """
    settings = connection.settings_dict
    params = {
        "dbname": settings["NAME"],
        "user": settings["USER"],
        "password": settings["PASSWORD"],
        "host": settings["HOST"],
        "port": settings["PORT"],
        **{k: v for k, v in settings["OPTIONS"].items() if k not in _DJANGO_ONLY_OPTIONS},
    }
    return psycopg.connect(**{k: v for k, v in params.items() if v}, autocommit=True)


def prepare_raw_table(raw: psycopg.Connection) -> None:
    """(Re)create the raw baseline table as a copy of `eventstore_event`.

    `LIKE ... INCLUDING ALL` gives the same columns, types, defaults, identity, constraints
    and indexes, and no triggers and no append function: the table a hand-written program
    would use. Copying the rows makes both tables the same size before a figure starts.
    """
    with raw.transaction():
        raw.execute(f"DROP TABLE IF EXISTS {RAW_TABLE}")
        raw.execute(f"CREATE TABLE {RAW_TABLE} (LIKE eventstore_event INCLUDING ALL)")
        raw.execute(f"INSERT INTO {RAW_TABLE} SELECT * FROM eventstore_event")
        raw.execute(
            f"SELECT setval(pg_get_serial_sequence('{RAW_TABLE}', 'position'),"
            f" (SELECT coalesce(max(position), 0) + 1 FROM {RAW_TABLE}), false)"
        )
    vacuum(raw)


def vacuum(raw: psycopg.Connection) -> None:
    """Settle both tables (hint bits, visibility map, statistics) so neither side pays."""
    raw.execute("VACUUM ANALYZE eventstore_event")
    raw.execute(f"VACUUM ANALYZE {RAW_TABLE}")


def count_events(raw: psycopg.Connection) -> int:
    return raw.execute("SELECT count(*) FROM eventstore_event").fetchone()[0]


def server_version(raw: psycopg.Connection) -> str:
    return raw.execute("SELECT version()").fetchone()[0].split(" on ")[0]


def nproc() -> int:
    return len(os.sched_getaffinity(0))
