"""The ledger's baker: balances, and the live feed rows clients resume from."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

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
        entries = list(
            AccountFeedEntry.objects.filter(position__in=[e.position for e in events])
            .order_by("position")
            .values_list("owner", "message")
        )
        if entries:
            async_to_sync(_send_all)(entries)  # one event loop per batch, as sales' feed


async def _send_all(entries: list[tuple[str, dict]]) -> None:
    layer = get_channel_layer()
    for owner, message in entries:
        for group in (STAFF_GROUP, owner_group(owner)):
            await layer.group_send(group, {"type": "feed.message", "message": message})


registry.register(LedgerBaker())
