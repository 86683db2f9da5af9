"""Writing a baker's rows back in one statement, with the values sent as binary arrays.

Django's `bulk_create` binds parameters client-side: every value of every row is quoted
into the SQL text, which for a batch of order pages costs the worker more than the
database spends on the rows. Here each column travels as one binary array (`%b`) and the rows
are rebuilt by `unnest`, so nothing is quoted or escaped.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import connection, models

from eventstore.store import raw_cursor


def insert(model: type[models.Model], rows: Iterable[models.Model]) -> None:
    """Insert the rows, all in one statement."""
    _write(model, list(rows), key=())


def upsert(model: type[models.Model], rows: Iterable[models.Model], key: Sequence[str]) -> None:
    """Insert the new rows and overwrite the existing ones (matched on `key`)."""
    _write(model, list(rows), key=key)


def _write(model: type[models.Model], rows: list[models.Model], key: Sequence[str]) -> None:
    if not rows:
        return
    fields = [f for f in model._meta.concrete_fields if f.column]
    with raw_cursor() as cursor:
        cursor.execute(
            _statement(model, fields, key),
            [[f.get_db_prep_save(getattr(row, f.attname), connection) for row in rows]
             for f in fields],
        )  # fmt: skip


def _statement(model: type[models.Model], fields: list[models.Field], key: Sequence[str]) -> str:
    quote = connection.ops.quote_name
    columns = [quote(f.column) for f in fields]
    arrays = ", ".join(f"%b::{f.db_type(connection)}[]" for f in fields)
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(columns)})"
        f" SELECT * FROM unnest({arrays})"
    )
    if key:
        keys = [quote(model._meta.get_field(name).column) for name in key]
        updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in columns if c not in keys)
        sql += f" ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {updates}"
    return sql
