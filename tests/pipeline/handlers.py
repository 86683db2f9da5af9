"""Registers the ledger's events and commands with the event store."""

import time

from eventstore.commands import Handler, commands
from eventstore.registry import registry
from tests.pipeline import domain

for name, cls in {
    "pipeline.AccountOpened": domain.AccountOpened,
    "pipeline.Deposited": domain.Deposited,
    "pipeline.Withdrawn": domain.Withdrawn,
}.items():
    registry.register(name, cls)


def stall(command: domain.Stall) -> domain.Stall:
    time.sleep(command.seconds)
    return command


for command in (
    domain.OpenAccount, domain.Deposit, domain.Withdraw, domain.Explode, domain.Stall
):  # fmt: skip
    commands.register(
        Handler(
            service="pipeline",
            operation=command.__name__,
            command=command,
            stream_type="pipeline.Account",
            stream_of=lambda c: c.account_id,
            initial_state=domain.Account,
            evolve=domain.evolve,
            decide=domain.decide,
            rejection=domain.LedgerError,
            prepare=stall if command is domain.Stall else None,
        )
    )
