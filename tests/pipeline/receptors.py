"""A receptor for the tests: a deposit of 1000 or more earns a bonus deposit of 10."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from eventstore.store import RecordedEvent
from eventstore.subscribers import Receptor, registry
from tests.pipeline import domain

BONUS = Decimal("10.00")


class BonusReceptor(Receptor):
    name = "pipeline.bonus"
    event_types = frozenset({"pipeline.Deposited"})

    def react(self, event: RecordedEvent) -> Iterable[object]:
        deposit = event.data
        if deposit.amount >= 1000 and deposit.note != "bonus":
            yield domain.Deposit(deposit.account_id, BONUS, note="bonus")


registry.register(BonusReceptor())
