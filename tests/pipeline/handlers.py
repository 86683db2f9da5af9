"""Registers the ledger's events and commands with the event store."""

import functools
from uuid import UUID

import redis
from django.conf import settings
from django.db import connection

from eventstore.commands import Aggregate, commands
from eventstore.registry import registry
from tests.pipeline import domain

EVENTS = {
    "pipeline.AccountOpened": domain.AccountOpened,
    "pipeline.Deposited": domain.Deposited,
    "pipeline.Withdrawn": domain.Withdrawn,
}


reads_seen: list[tuple] = []
"""(account, events of the other accounts of the batch it saw) per Stall prepared."""


@functools.cache
def _redis() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL)


def _release_key(account: UUID) -> str:
    return f"{settings.CELERY_TASK_DEFAULT_QUEUE}:stall-release:{account}"


def release_stall(account: UUID) -> None:
    """Ends the Stall on `account` now, or the next one to start there: a test lets it go
    once it has seen what the stall was for, instead of sitting out its seconds."""
    _redis().pipeline().rpush(_release_key(account), 1).expire(_release_key(account), 60).execute()


def stall(command: domain.Stall) -> domain.Stall:
    """Sleeps `seconds` (or until `release_stall`), and records how many events every
    other pending stream had at that moment."""
    if command.seconds:
        _redis().blpop([_release_key(command.account_id)], timeout=command.seconds)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM eventstore_event WHERE stream_id IN"
            " (SELECT stream_id FROM eventstore_command WHERE status = 'pending'"
            " AND stream_id <> %s AND operation = 'Deposit')",
            [command.account_id],
        )
        reads_seen.append((command.account_id, cursor.fetchone()[0]))
    return command


COMMANDS = {
    "pipeline.OpenAccount": domain.OpenAccount,
    "pipeline.Deposit": domain.Deposit,
    "pipeline.Withdraw": domain.Withdraw,
    "pipeline.Explode": domain.Explode,
    "pipeline.Stall": domain.Stall,
    "pipeline.DepositUnstorable": domain.DepositUnstorable,
}

ACCOUNT = Aggregate(
    stream_type="pipeline.Account",
    stream_of=lambda command: command.account_id,
    initial_state=domain.Account,
    evolve=domain.evolve,
    decide=domain.decide,
    rejection=domain.LedgerError,
)

for name, cls in EVENTS.items():
    registry.register(name, cls)
commands.register_aggregate(ACCOUNT, COMMANDS, {domain.Stall: {"prepare": stall}})
