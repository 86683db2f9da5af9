"""The application's database role can read and append events and change none.

Each test makes a role of its own with `manage.py grant_app_role` (the command the dev
stack and an operator run), logs in as it, and tries what would rewrite history. The
role is dropped afterwards: roles are the whole server's, not the test database's.
"""

from __future__ import annotations

import io
import json
import secrets
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from psycopg import errors

from tests.database_roles import APP, OWNER

pytestmark = pytest.mark.integration

ATTEMPTS = {
    "update": "UPDATE eventstore_event SET data = '{}' WHERE stream_id = %s",
    "delete": "DELETE FROM eventstore_event WHERE stream_id = %s",
    "truncate": "TRUNCATE eventstore_event",
    "replication role": "SET session_replication_role = replica",
    "disable a trigger": "ALTER TABLE eventstore_event DISABLE TRIGGER"
    " eventstore_event_no_update_delete",
    "disable all triggers": "ALTER TABLE eventstore_event DISABLE TRIGGER ALL",
}


def execute(statement: str, params: list | None = None) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall() if cursor.description else []


@pytest.fixture
def app_role(committed_db: None) -> Iterator[psycopg.Connection]:
    """A connection as a fresh role granted by `grant_app_role`; role dropped afterwards."""
    role, password = f"shop_app_test_{uuid.uuid4().hex[:12]}", secrets.token_urlsafe(16)
    execute(f"CREATE ROLE {role} LOGIN PASSWORD '{password}'")
    try:
        call_command("grant_app_role", role, stdout=io.StringIO())
        db = connection.settings_dict
        with psycopg.connect(
            host=db["HOST"], port=db["PORT"], dbname=db["NAME"], user=role, password=password
        ) as conn:
            yield conn
    finally:
        execute(f"DROP OWNED BY {role}")
        execute(f"DROP ROLE {role}")


def append(conn: psycopg.Connection, stream: uuid.UUID) -> list[tuple]:
    conn.execute(
        "SELECT eventstore_append(%s, 'test.Clock', 0, ARRAY['test.Ticked'], ARRAY[1::smallint],"
        " ARRAY[%s::jsonb], '{}'::jsonb)",
        [stream, json.dumps({"n": 1})],
    )
    conn.commit()
    return conn.execute(
        "SELECT version, type, data FROM eventstore_event WHERE stream_id = %s", [stream]
    ).fetchall()


@pytest.mark.database_owner
@pytest.mark.parametrize("statement", ATTEMPTS.values(), ids=ATTEMPTS.keys())
def test_the_app_role_appends_and_reads_events_but_cannot_change_them(
    app_role: psycopg.Connection, statement: str
) -> None:
    stream = uuid.uuid4()
    assert append(app_role, stream) == [(1, "test.Ticked", {"n": 1})]

    with pytest.raises(errors.InsufficientPrivilege):
        app_role.execute(statement, [stream] if "%s" in statement else None)
    app_role.rollback()

    assert execute(
        "SELECT version, type, data::text FROM eventstore_event WHERE stream_id = %s", [stream]
    ) == [(1, "test.Ticked", '{"n": 1}')]
    assert execute(
        "SELECT tgname, tgenabled FROM pg_trigger WHERE tgrelid = 'eventstore_event'::regclass"
        " AND NOT tgisinternal ORDER BY tgname"
    ) == [("eventstore_event_no_truncate", "O"), ("eventstore_event_no_update_delete", "O")]
    assert app_role.execute("SHOW session_replication_role").fetchone() == ("origin",)


@pytest.mark.database_owner
def test_a_table_a_later_migration_creates_is_granted_without_a_new_grant(
    app_role: psycopg.Connection,
) -> None:
    table = f"shop_roles_probe_{uuid.uuid4().hex[:8]}"
    execute(f"CREATE TABLE {table} (id bigserial PRIMARY KEY, note text NOT NULL)")
    try:
        app_role.execute(f"INSERT INTO {table} (note) VALUES ('written')")
        app_role.execute(f"UPDATE {table} SET note = 'changed'")
        changed = app_role.execute(f"SELECT note FROM {table}").fetchall()
        app_role.execute(f"DELETE FROM {table}")
        app_role.commit()

        assert changed == [("changed",)]
        assert execute(f"SELECT count(*) FROM {table}") == [(0,)]
    finally:
        execute(f"DROP TABLE {table}")


@pytest.mark.database_owner
def test_granting_a_superuser_or_the_owner_is_refused(committed_db: None) -> None:
    owner = connection.settings_dict["USER"]

    with pytest.raises(CommandError) as refused:
        call_command("grant_app_role", owner, stdout=io.StringIO())

    assert str(refused.value) == (
        f"{owner} is a superuser, may create roles or may act as the events table's owner:"
        " the application needs a role of its own, or it can switch the triggers off"
    )


@pytest.mark.skipif(OWNER == APP, reason="SHOP_MIGRATE_DATABASE_URL is not set: one role")
def test_the_suite_runs_as_the_app_role_when_the_owner_is_another(committed_db: None) -> None:
    """Unmarked tests, and the servers and workers they start, log in as DATABASE_URL's
    role, which is no superuser and cannot act as the events table's owner."""
    row = execute(
        "SELECT current_user, rolsuper, pg_has_role(current_user, c.relowner, 'MEMBER')"
        " FROM pg_roles r, pg_class c"
        " WHERE r.rolname = current_user AND c.oid = 'eventstore_event'::regclass"
    )

    assert row == [(APP["USER"], False, False)]
