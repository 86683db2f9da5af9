"""Django's PostgreSQL backend, checking each pooled connection as it is handed out
in a way that survives a Postgres restart.

A restart ends every connection the pool holds. psycopg-pool's own check (what
CONN_HEALTH_CHECKS turns on) drops one dead connection, waits 1 s, takes the next, waits
2 s, and so on: a request met several and could fail after the pool's whole timeout,
with Postgres long back. Here the first dead connection makes the pool check all it
holds at once (`ConnectionPool.check`), and the request takes a live one at once.
"""

from __future__ import annotations

from typing import Any

from django.db.backends.postgresql import base
from psycopg import Connection, Error, OperationalError
from psycopg_pool import ConnectionPool

HAND_OUTS = 3
"""Connections tried before giving up: after one check of the whole pool the next is
live, unless Postgres ended it again meanwhile."""


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params: dict[str, Any]) -> Connection:
        for _ in range(HAND_OUTS):
            connection = super().get_new_connection(conn_params)
            if self.pool is None or _alive(connection):
                return connection
            self.pool.putconn(connection)  # broken: the pool drops it, and opens another
            self.pool.check()  # and every other broken one it holds
        raise OperationalError(f"no live connection in {HAND_OUTS} from the pool")


def _alive(connection: Connection) -> bool:
    try:
        ConnectionPool.check_connection(connection)
    except Error:
        return False
    return True
