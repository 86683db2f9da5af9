"""The webhook relay: sends each endpoint what it is owed, one order's events in order.

Why this shape. The fan-out (`fanout.py`) is the outbox: a checkpointed subscriber whose
checkpoint moves only with the delivery rows it owes, so nothing is lost between the
event store and the relay. Each endpoint then has a relay of its own, and within it
each order is a queue: only the oldest undelivered delivery of an order (its head) is
sent, and the queue moves on only after a 2xx. So delivery is at least once (a crash
before the 2xx is recorded sends it again), one order's events reach an endpoint in
order, and a failing delivery holds up only its own order at its own endpoint. A
single checkpoint per endpoint would have given the first two and lost the third: one
order's failure would have stopped every order behind it.

One runner per endpoint (a session advisory lock, as subscribers have) takes the due
heads of up to `ORDERS_AT_ONCE` orders, with up to `RUN_LENGTH` of each order's
deliveries behind them, and hands them to the sink, which sends the orders side by
side and each order's deliveries in turn. Outcomes are recorded in one transaction: a
2xx marks the delivery delivered; a failure schedules its next attempt
(SHOP_WEBHOOK_RETRY_SECONDS, with jitter) or, past the last, dead-letters it (the
order's queue then moves on). An endpoint failing for SHOP_WEBHOOK_DISABLE_AFTER
seconds in a row is disabled, and a 410 disables it at once.

Runs are tasks on the relay's own queue (`shop.celery.relay_queue`), served by a worker
of threads: a slow receiver holds one thread for its endpoint, never the others'.
Nothing is written before a send, so a worker killed mid-send leaves the delivery due,
and the next run (woken by the sweeper) sends it again.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from itertools import groupby
from uuid import UUID

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from contexts.integrations import metrics, queues
from contexts.integrations.models import DeliveryStatus, WebhookEndpoint
from contexts.integrations.queues import PENDING_SQL
from contexts.integrations.sinks import Destination, Message, Outcome, Sink, WebhookSink
from eventstore import wakeups
from eventstore.subscribers import SubscriberLock

DELIVER = "integrations.deliver"
TURN_SECONDS = 2.0
ORDERS_AT_ONCE = 32
RUN_LENGTH = 20
JITTER = 0.2
ROTATED_SECRET_SECONDS = 24 * 3600

sink: Sink = WebhookSink()


@dataclass(frozen=True)
class Run:
    """An order's pending deliveries at an endpoint, oldest first, its head due."""

    ordering_key: UUID
    messages: list[Message]


def wake(endpoint_id: object) -> None:
    """Wake the endpoint's relay (coalesced, as every wake-up is)."""
    wakeups.wake(DELIVER, str(endpoint_id))


def woken(endpoint_id: str) -> int:
    """Deliver for a wake-up, a turn at a time, never waiting for another runner of the
    endpoint (`wakeups.serve`)."""
    return wakeups.serve(DELIVER, endpoint_id, turn=partial(_turn, endpoint_id))


def _turn(endpoint_id: str, started: Callable[[], None]) -> wakeups.Turn:
    with SubscriberLock(f"webhooks:{endpoint_id}", wait_seconds=0) as lock:
        if not lock.held:
            return wakeups.Turn(held=False)
        started()
        sent, more = turn(UUID(endpoint_id))
    return wakeups.Turn(sent, more=more)


def turn(endpoint_id: UUID, seconds: float = TURN_SECONDS) -> tuple[int, bool]:
    """Send due deliveries until none is due or the turn is over; how many were tried,
    and whether some may be left."""
    until = time.monotonic() + seconds
    tried = 0
    while True:
        endpoint = WebhookEndpoint.objects.filter(id=endpoint_id, enabled=True).first()
        if endpoint is None:
            return tried, False
        runs = due_runs(endpoint_id)
        if not runs:
            return tried, False
        outcomes = sink.deliver(destination(endpoint), [run.messages for run in runs], until)
        record(endpoint_id, outcomes, [run.ordering_key for run in runs])
        tried += len(outcomes)
        if time.monotonic() > until:
            return tried, True


def destination(endpoint: WebhookEndpoint) -> Destination:
    secrets = [endpoint.secret]
    if endpoint.previous_secret and endpoint.previous_secret_until > timezone.now():
        secrets.append(endpoint.previous_secret)
    return Destination(endpoint.url, secrets)


RUNS = f"""
    SELECT id, ordering_key, body, next_attempt_at <= statement_timestamp() FROM (
        SELECT id, ordering_key, body, next_attempt_at, position, index,
               row_number() OVER (PARTITION BY ordering_key ORDER BY position, index) AS n
        FROM integrations_webhookdelivery
        WHERE endpoint_id = %s AND status = {PENDING_SQL} AND ordering_key = ANY(%s)
    ) queue
    WHERE n <= %s
    ORDER BY ordering_key, position, index
"""


def due_runs(endpoint_id: UUID) -> list[Run]:
    """The orders whose oldest pending delivery is due: each one's pending deliveries,
    oldest first, up to RUN_LENGTH. Orders found here not due after all (their queue's
    `due_at` was only a lower bound) are settled, and more are looked for."""
    while keys := queues.due(endpoint_id, ORDERS_AT_ONCE):
        with connection.cursor() as cursor:
            cursor.execute(RUNS, [endpoint_id, keys, RUN_LENGTH])
            rows = cursor.fetchall()
        runs = [list(run) for _, run in groupby(rows, key=lambda row: row[1])]
        due = [run for run in runs if run[0][3]]
        not_due = set(keys) - {run[0][1] for run in due}
        if not_due:
            with transaction.atomic():
                queues.settle(endpoint_id, list(not_due))
        if due:
            return [
                Run(run[0][1], [Message(id, f"msg_{id.hex}", body) for id, _, body, _ in run])
                for run in due
            ]
    return []


def retry_delay(attempts: int) -> float | None:
    """Seconds before the next attempt after `attempts` failed ones; None: give up."""
    schedule = settings.SHOP_WEBHOOK_RETRY_SECONDS
    if attempts > len(schedule):
        return None
    return schedule[attempts - 1] * (1 + random.uniform(-JITTER, JITTER))


RECORD_DELIVERED = f"""
    UPDATE integrations_webhookdelivery d SET
        status = '{DeliveryStatus.DELIVERED}', attempts = attempts + 1, delivered_at = now(),
        last_attempt_at = now(), last_status_code = o.code, last_latency_ms = o.latency,
        last_error = ''
    FROM unnest(%s::uuid[], %s::int[], %s::int[]) AS o(id, code, latency)
    WHERE d.id = o.id AND d.status = {PENDING_SQL}
"""
RECORD_FAILED = f"""
    UPDATE integrations_webhookdelivery d SET
        status = CASE WHEN o.delay IS NULL THEN '{DeliveryStatus.DEAD}' ELSE {PENDING_SQL} END,
        attempts = attempts + 1,
        next_attempt_at = statement_timestamp() + coalesce(o.delay, 0) * interval '1 second',
        last_attempt_at = now(), last_status_code = o.code, last_latency_ms = o.latency,
        last_error = o.error
    FROM unnest(%s::uuid[], %s::int[], %s::int[], %s::text[], %s::float8[])
        AS o(id, code, latency, error, delay)
    WHERE d.id = o.id AND d.status = {PENDING_SQL}
"""


def record(endpoint_id: UUID, outcomes: Sequence[Outcome], keys: Sequence[UUID]) -> None:
    """The outcomes, the queues of their orders (`keys`), and what they say of the
    endpoint, in one transaction."""
    delivered = [o for o in outcomes if o.ok]
    failed = [o for o in outcomes if not o.ok]
    delays: list[float | None] = []
    with transaction.atomic(), connection.cursor() as cursor:
        if delivered:
            cursor.execute(RECORD_DELIVERED, [
                [o.delivery_id for o in delivered],
                [o.status_code for o in delivered],
                [o.latency_ms for o in delivered],
            ])  # fmt: skip
        if failed:
            cursor.execute(
                "SELECT id, attempts FROM integrations_webhookdelivery WHERE id = ANY(%s)",
                [[o.delivery_id for o in failed]],
            )
            attempts = dict(cursor.fetchall())
            delays = [retry_delay(attempts.get(o.delivery_id, 0) + 1) for o in failed]
            cursor.execute(RECORD_FAILED, [
                [o.delivery_id for o in failed],
                [o.status_code for o in failed],
                [o.latency_ms for o in failed],
                [o.error for o in failed],
                delays,
            ])  # fmt: skip
        queues.settle(endpoint_id, keys)
        judge_endpoint(endpoint_id, outcomes)
        dead = delays.count(None)
        transaction.on_commit(partial(metrics.attempted, len(delivered), len(failed) - dead, dead))


def judge_endpoint(endpoint_id: UUID, outcomes: Sequence[Outcome]) -> None:
    """A 2xx ends a failing spell; a 410, or a spell as long as
    SHOP_WEBHOOK_DISABLE_AFTER, disables the endpoint."""
    now = timezone.now()
    endpoints = WebhookEndpoint.objects.filter(id=endpoint_id)
    if any(o.gone for o in outcomes):
        disable(endpoint_id, "The receiver answered 410 Gone.")
        return
    if any(o.ok for o in outcomes):
        endpoints.exclude(failing_since=None).update(failing_since=None, updated_at=now)
        return
    if not outcomes:
        return
    endpoints.filter(failing_since=None).update(failing_since=now, updated_at=now)
    limit = now - dt.timedelta(seconds=settings.SHOP_WEBHOOK_DISABLE_AFTER)
    if endpoints.filter(enabled=True, failing_since__lte=limit).exists():
        hours = settings.SHOP_WEBHOOK_DISABLE_AFTER / 3600
        disable(endpoint_id, f"Every attempt failed for {hours:g} hours.")


def disable(endpoint_id: UUID, reason: str) -> None:
    WebhookEndpoint.objects.filter(id=endpoint_id, enabled=True).update(
        enabled=False, disabled_reason=reason, updated_at=timezone.now()
    )
