"""The ledger's live feed: staff see every account, a customer only their own."""

from __future__ import annotations

from typing import Any

from django.db.models import Max

from eventstore.live import FeedConsumer
from tests.pipeline.bakers import STAFF_GROUP, owner_group
from tests.pipeline.models import AccountFeedEntry


class LedgerFeedConsumer(FeedConsumer):
    def groups_for(self, user: Any) -> list[str]:
        return [STAFF_GROUP] if user.is_staff else [owner_group(user.get_username())]

    def replay(self, user: Any, after: int, limit: int) -> list[dict]:
        entries = AccountFeedEntry.objects.filter(position__gt=after)
        if not user.is_staff:
            entries = entries.filter(owner=user.get_username())
        return list(entries.order_by("position").values_list("message", flat=True)[:limit])

    def head_for(self, user: Any) -> int:
        entries = AccountFeedEntry.objects.all()
        if not user.is_staff:
            entries = entries.filter(owner=user.get_username())
        return entries.aggregate(head=Max("position"))["head"] or 0
