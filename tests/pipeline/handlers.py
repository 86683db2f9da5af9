"""Registers the ledger's events and commands with the event store."""

from eventstore.commands import Handler, commands
from eventstore.registry import registry
from tests.pipeline import domain

for name, cls in {
    "pipeline.AccountOpened": domain.AccountOpened,
    "pipeline.Deposited": domain.Deposited,
    "pipeline.Withdrawn": domain.Withdrawn,
}.items():
    registry.register(name, cls)

for command in (domain.OpenAccount, domain.Deposit, domain.Withdraw, domain.Explode):
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
        )
    )
