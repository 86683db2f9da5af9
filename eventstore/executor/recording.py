"""Recording: the batch's events appended in one statement and every command marked in
another; once that commits, each command's log line and metrics, and the subscribers
that want the new events run inline or woken."""

from __future__ import annotations

import logging
from functools import partial

from django.db import transaction
from psycopg.types.json import Jsonb

from eventstore import log_context, metrics, subscribers, wakeups
from eventstore.executor.batch import Claimed, Outcome, context
from eventstore.models import Command
from eventstore.store import EventStore, Metadata, NewEvents, raw_cursor

log = logging.getLogger("eventstore.executor")  # the package's one logger

OUTCOME_LEVELS = {
    Command.Status.DONE: logging.DEBUG,
    Command.Status.REJECTED: logging.INFO,
    Command.Status.FAILED: logging.ERROR,
}


def append_pending(store: EventStore, outcomes: list[Outcome]) -> None:
    """Append the events of every decided command not appended yet, in one go."""
    pending = [o for o in outcomes if o.events and not o.positions]
    batches = store.append_many(
        [
            NewEvents(
                o.command.stream_id,
                o.handler.stream_type,
                o.events,
                o.expected_version,
                _metadata(o.command),
            )
            for o in pending
        ]
    )
    for outcome, positions in zip(pending, batches, strict=True):
        outcome.positions = positions


def record(store: EventStore, outcomes: list[Outcome]) -> None:
    """Append every command's events, then mark every command (and say so once
    that commits)."""
    append_pending(store, outcomes)
    transaction.on_commit(partial(_log_outcomes, outcomes))
    appended = sum(len(o.events) for o in outcomes)
    appended_types = {store.events.type_of(e).name for o in outcomes for e in o.events}
    with raw_cursor() as cursor:
        cursor.execute(
            """
            UPDATE eventstore_command AS c
            SET status = o.status, error = o.error, positions = o.positions,
                executed_at = clock_timestamp()
            FROM unnest(%s::uuid[], %s::text[], %s::jsonb[], %s::jsonb[])
                AS o(id, status, error, positions)
            WHERE c.id = o.id
            RETURNING c.id,
                extract(epoch FROM c.executed_at - greatest(c.created_at, c.not_before))
            """,
            [
                [o.command.id for o in outcomes],
                [o.status for o in outcomes],
                [Jsonb(o.error) if o.error else None for o in outcomes],
                [Jsonb(o.positions) for o in outcomes],
            ],
            binary=True,
        )
        waited = {id: float(seconds) for id, seconds in cursor.fetchall()}
    executed = [
        (o.command.service_name, o.command.operation, o.status, waited[o.command.id])
        for o in outcomes
    ]
    transaction.on_commit(partial(metrics.executed, executed))
    if appended_types:
        names = subscribers.registry.interested_in(appended_types)
        done = {name for name in names if _ran_inline(name, appended)}
        transaction.on_commit(
            lambda: wakeups.wake_subscribers([name for name in names if name not in done])
        )


def _ran_inline(name: str, appended: int) -> bool:
    """Run a subscriber in this transaction if it runs inline for a batch of `appended`
    events (`Subscriber.inline_up_to`); True when it caught up, so it needs no wake-up."""
    subscriber = subscribers.registry.named(name)
    return appended <= subscriber.inline_up_to and subscribers.Runner(subscriber).inline()


def _log_outcomes(outcomes: list[Outcome]) -> None:
    for outcome in outcomes:
        level = OUTCOME_LEVELS[outcome.status]
        if not log.isEnabledFor(level):
            continue
        command = outcome.command
        fields = {
            "command": f"{command.service_name}.{command.operation}",
            "stream_id": str(command.stream_id),
            "events": len(outcome.events),
        }
        if command.causation_id:
            fields["causation_id"] = str(command.causation_id)
        if outcome.error:
            fields["reason"] = outcome.error["detail"]
        with log_context.bound(context(command)):
            log.log(level, "command %s", outcome.status, extra=fields)


def _metadata(command: Claimed) -> Metadata:
    return Metadata(
        actor=command.actor,
        command_id=command.id,
        correlation_id=command.correlation_id,
        causation_id=command.id,
    )
