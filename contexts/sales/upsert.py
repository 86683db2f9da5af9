"""Writing a baker's changed rows back in one statement."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import connection, models


def upsert(model: type[models.Model], rows: Iterable[models.Model], key: Sequence[str]) -> None:
    """Insert the new rows and overwrite the existing ones (matched on `key`)."""
    fields = [f.name for f in model._meta.concrete_fields if f.name not in key]
    model.objects.bulk_create(
        list(rows), update_conflicts=True, unique_fields=list(key), update_fields=fields
    )


def upsert_each(
    model: type[models.Model], rows: Iterable[models.Model], key: Sequence[str]
) -> None:
    """`upsert`, as one statement per row sent together (psycopg's executemany).

    For rows carrying long text, such as a rendered order page: Django's one-statement
    form sends each column as a Postgres array, and escaping long strings with quotes
    into array text costs the client more than the database spends on the rows.
    """
    fields = list(model._meta.concrete_fields)
    columns = [connection.ops.quote_name(f.column) for f in fields]
    keys = [connection.ops.quote_name(model._meta.get_field(k).column) for k in key]
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in columns if c not in keys)
    sql = (
        f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({', '.join(columns)})"
        f" VALUES ({', '.join(['%s'] * len(columns))})"
        f" ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {updates}"
    )
    values = [
        [f.get_db_prep_save(getattr(row, f.attname), connection) for f in fields] for row in rows
    ]
    if values:
        with connection.cursor() as cursor:
            cursor.executemany(sql, values)
