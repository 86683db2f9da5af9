"""The store's own cursor: parameters bound by the server, jsonb decoded on arrival."""

from __future__ import annotations

import psycopg
from django.db import connection
from psycopg.types.datetime import TimestamptzLoader
from psycopg.types.json import JsonbLoader


def raw_cursor() -> psycopg.Cursor:
    """A server-side-binding cursor on Django's connection (and so its transaction) that
    decodes jsonb.

    Django's own cursors bind parameters client-side, quoting every array element into
    the SQL text, and hand jsonb back as text for its JSONField to parse; the event
    store's batch statements are several times faster without either.
    """
    connection.ensure_connection()
    cursor = psycopg.Cursor(connection.connection)
    cursor.adapters.register_loader("jsonb", JsonbLoader)
    cursor.adapters.register_loader("timestamptz", TimestamptzLoader)  # Django's is slower
    return cursor
