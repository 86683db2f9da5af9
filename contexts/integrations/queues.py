"""Each endpoint's queues, one per order: which orders have a delivery due.

The relay sends only an order's oldest pending delivery (its head), so it must find the
orders whose head is due. Read from the deliveries themselves, that is a DISTINCT ON
over the endpoint's whole pending backlog: 23 ms at 14,000 pending, on every turn. A
row per order with pending deliveries (`WebhookQueue`) makes it one index range.

The row's `due_at` is a lower bound of its head's `next_attempt_at`, never later:
- whoever makes a delivery pending (the fan-out, a redelivery, a replay) calls `owe`,
  which creates the order's row or lowers its `due_at` to the new delivery's, taking
  the row's lock;
- the relay calls `settle` for the orders it sent or found not due: under the rows'
  locks, taken first and in order, it reads their heads afresh and sets each `due_at`
  to its head's, deleting the rows of orders with nothing pending.
A writer that committed before `settle` took a row's lock is seen by its reads; one
still waiting on the lock writes after `settle` commits, and lowers (or re-creates)
the row itself. So an order with a pending delivery always has a row that says it is
due no later than it is.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from uuid import UUID

from django.db import connection

from contexts.integrations.models import DeliveryStatus

PENDING_SQL = f"'{DeliveryStatus.PENDING}'"
"""A pending delivery's status as an SQL literal. It is the enum's constant value, spelled
out in the statements rather than passed as a parameter, so that the planner matches
the pending deliveries' partial index (`integrations_delivery_queue`)."""

OWE = """
    INSERT INTO integrations_webhookqueue (endpoint_id, ordering_key, due_at)
    SELECT endpoint_id, ordering_key, min(due_at)
    FROM unnest(%s::uuid[], %s::uuid[], %s::timestamptz[]) AS o(endpoint_id, ordering_key, due_at)
    GROUP BY endpoint_id, ordering_key
    ORDER BY endpoint_id, ordering_key
    ON CONFLICT (endpoint_id, ordering_key)
    DO UPDATE SET due_at = least(integrations_webhookqueue.due_at, excluded.due_at)
"""
DUE = """
    SELECT ordering_key FROM integrations_webhookqueue
    WHERE endpoint_id = %s AND due_at <= statement_timestamp()
    ORDER BY due_at
    LIMIT %s
"""
LOCK = """
    SELECT 1 FROM integrations_webhookqueue
    WHERE endpoint_id = %s AND ordering_key = ANY(%s)
    ORDER BY ordering_key
    FOR UPDATE
"""
SETTLE = f"""
    WITH heads AS (
        SELECT DISTINCT ON (ordering_key) ordering_key, next_attempt_at
        FROM integrations_webhookdelivery
        WHERE endpoint_id = %(endpoint)s AND status = {PENDING_SQL} AND ordering_key = ANY(%(keys)s)
        ORDER BY ordering_key, position, index
    ), moved AS (
        UPDATE integrations_webhookqueue q SET due_at = heads.next_attempt_at
        FROM heads
        WHERE q.endpoint_id = %(endpoint)s AND q.ordering_key = heads.ordering_key
    )
    DELETE FROM integrations_webhookqueue q
    WHERE q.endpoint_id = %(endpoint)s AND q.ordering_key = ANY(%(keys)s)
      AND NOT EXISTS (SELECT FROM heads WHERE heads.ordering_key = q.ordering_key)
"""


def owe(deliveries: Iterable[tuple[UUID, UUID, dt.datetime]]) -> None:
    """(endpoint, order, next attempt) of deliveries just made pending, in the caller's
    transaction."""
    owed = list(deliveries)
    if owed:
        endpoints, keys, due = (list(column) for column in zip(*owed, strict=True))
        with connection.cursor() as cursor:
            cursor.execute(OWE, [endpoints, keys, due])


def due(endpoint_id: UUID, limit: int) -> list[UUID]:
    """Up to `limit` orders whose head may be due, the longest waiting first."""
    with connection.cursor() as cursor:
        cursor.execute(DUE, [endpoint_id, limit])
        return [key for (key,) in cursor.fetchall()]


def settle(endpoint_id: UUID, keys: Sequence[UUID]) -> None:
    """Make the orders' rows exact, in the caller's transaction (see the module's
    docstring for why the locks come first, in a statement of their own)."""
    if not keys:
        return
    keys = sorted(set(keys))
    with connection.cursor() as cursor:
        cursor.execute(LOCK, [endpoint_id, keys])
        cursor.execute(SETTLE, {"endpoint": endpoint_id, "keys": keys})
