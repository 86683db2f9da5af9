"""`manage.py grant_app_role ROLE`: what the application's own database role may do.

The events table is append-only because the application cannot change it: it logs in as
a role that owns nothing and is no superuser, so it can neither UPDATE nor DELETE events,
nor switch the table's triggers off (`ALTER TABLE`, `session_replication_role`). The
schema's owner runs this after `migrate`, with DATABASE_URL set to the owner's; running
it again changes nothing. Default privileges grant the tables that later migrations (run
by the same owner) create, so no one has to remember to.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from psycopg import sql

from eventstore.models import Event

GRANTS = (
    "GRANT CONNECT ON DATABASE {database} TO {role}",
    # A baker's rebuild replays into scratch tables in a schema of its own (rebuild.py).
    "GRANT CREATE ON DATABASE {database} TO {role}",
    "GRANT USAGE ON SCHEMA public TO {role}",
    # TRUNCATE: a rebuild swaps its rows into the live presentation tables.
    "GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA public TO {role}",
    "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
    "ALTER DEFAULT PRIVILEGES IN SCHEMA public"
    " GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON TABLES TO {role}",
    "ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {role}",
    # Events are facts: read and appended, nothing else.
    "REVOKE ALL ON {events} FROM {role}",
    "GRANT SELECT, INSERT ON {events} TO {role}",
)

OWNS_TOO_MUCH = """
    SELECT rolsuper OR rolcreaterole OR pg_has_role(rolname, (SELECT relowner FROM pg_class
                                             WHERE oid = %s::regclass), 'MEMBER')
    FROM pg_roles WHERE rolname = %s
"""


class Command(BaseCommand):
    help = "Grant the application's database role what it needs, and no more (run as owner)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("role", help="the role the application logs in as, e.g. shop_app")

    def handle(self, *args: object, role: str, **options: object) -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(OWNS_TOO_MUCH, [Event._meta.db_table, role])
            found = cursor.fetchone()
            if found is None:
                raise CommandError(f"there is no role {role}: create it first (LOGIN, no more)")
            if found[0]:
                raise CommandError(
                    f"{role} is a superuser, may create roles or may act as the events table's"
                    " owner: the application needs a role of its own, or it can switch the"
                    " triggers off"
                )
            names = {
                "role": sql.Identifier(role),
                "database": sql.Identifier(connection.settings_dict["NAME"]),
                "events": sql.Identifier(Event._meta.db_table),
            }
            for grant in GRANTS:
                cursor.execute(sql.SQL(grant).format(**names).as_string(connection.connection))
        self.stdout.write(f"Granted {role} the application's privileges.")
