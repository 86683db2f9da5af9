"""The ledger's baker: balances, and the live feed rows clients resume from."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.db.models import OuterRef, Subquery

from eventstore import feed_batches
from eventstore.codec import encode
from eventstore.store import RecordedEvent
from eventstore.subscribers import Baker, registry
from tests.pipeline import domain
from tests.pipeline.models import AccountBalance, AccountFeedEntry

STAFF_GROUP = "pipeline.staff"


def owner_group(owner: str) -> str:
    return f"pipeline.owner.{owner}"


class LedgerBaker(Baker):
    name = "pipeline.ledger"
    event_types = frozenset({"pipeline.AccountOpened", "pipeline.Deposited", "pipeline.Withdrawn"})
    models = (AccountBalance, AccountFeedEntry)

    def handle(self, events: Sequence[RecordedEvent]) -> None:
        for event in events:
            row = self._apply(event)
            AccountFeedEntry.objects.create(
                position=event.position,
                account_id=row.account_id,
                owner=row.owner,
                message=self.message(event, row),
            )

    def _apply(self, event: RecordedEvent) -> AccountBalance:
        data = event.data
        if isinstance(data, domain.AccountOpened):
            row = AccountBalance(account_id=data.account_id, owner=data.owner,
                                 balance=Decimal("0.00"), entries=0)  # fmt: skip
        else:
            row = AccountBalance.objects.get(account_id=event.stream_id)
            sign = 1 if isinstance(data, domain.Deposited) else -1
            row.balance += sign * data.amount
            row.entries += 1
        row.version = event.version
        row.updated_at = event.recorded_at
        row.save()
        return row

    @staticmethod
    def message(event: RecordedEvent, row: AccountBalance) -> dict:
        return {
            "type": "order.event",
            "position": event.position,
            "orderId": str(row.account_id),
            "event": event.type,
            "occurredAt": encode(event.recorded_at),
            "order": {
                "accountId": str(row.account_id),
                "owner": row.owner,
                "balance": str(row.balance),
                "entries": row.entries,
                "version": row.version,
                "updatedAt": encode(row.updated_at),
            },
        }

    def after_commit(self, events: Sequence[RecordedEvent]) -> None:
        """As sales' feed: one channel message per group, each row linked to its group's
        previous row."""
        earlier = AccountFeedEntry.objects.filter(position__lt=OuterRef("position"))
        previous = earlier.order_by("-position").values("position")[:1]
        owners_previous = earlier.filter(owner=OuterRef("owner")).order_by("-position")
        rows = (
            AccountFeedEntry.objects.filter(position__in=[e.position for e in events])
            .annotate(
                previous=Subquery(previous),
                owners_previous=Subquery(owners_previous.values("position")[:1]),
            )
            .order_by("position")
            .values_list("owner", "message", "previous", "owners_previous")
        )
        batches: dict[str, list[dict]] = {STAFF_GROUP: []}
        for owner, message, previous, owners_previous in rows:
            batches[STAFF_GROUP].append(feed_batches.entry(message, previous))
            batches.setdefault(owner_group(owner), []).append(
                feed_batches.entry(message, owners_previous)
            )
        feed_batches.send_batches(batches)


registry.register(LedgerBaker())
