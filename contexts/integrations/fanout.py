"""The relay's outbox: a checkpointed subscriber that writes what each endpoint is owed.

For each event in the catalogue it writes one delivery row per public event and per
endpoint that wants that type, in the same transaction as its checkpoint. So the
checkpoint moves past an event only once every delivery it owes is recorded, and a
delivery is never lost; the rows then go out through `relay.py`, whose per-order
queues move on only after a 2xx. Endpoints registered after an event was recorded are
not owed it (`replay` re-sends to an endpoint what it was owed). A disabled endpoint
still has its deliveries written, held until it is enabled again: disabling pauses an
endpoint, it does not make it miss events.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils import timezone

from contexts.integrations import catalogue, queries, queues, relay
from contexts.integrations.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from eventstore.store import RecordedEvent
from eventstore.subscribers import Outlet, Subscriber, registry


class WebhookFanout(Subscriber):
    name = "integrations.webhooks"
    event_types = frozenset(catalogue.TRANSLATIONS)
    inline_up_to = 50  # calm traffic: the rows commit with the events, the relay woken at once

    def __init__(self) -> None:
        self.owed: dict[int, set] = {}  # a batch's last position → the endpoints it owes

    def handle(self, events: Sequence[RecordedEvent]) -> None:
        first = events[0].position  # forget what a failed batch noted
        self.owed = {last: owed for last, owed in self.owed.items() if last < first}
        endpoints = list(WebhookEndpoint.objects.values_list("id", "events", "created_at"))
        if not endpoints:
            return
        now = timezone.now()
        rows = [
            WebhookDelivery(
                id=catalogue.delivery_id(endpoint_id, event.position, index),
                endpoint_id=endpoint_id,
                position=event.position,
                index=index,
                event_type=public.type,
                ordering_key=public.ordering_key,
                occurred_at=event.recorded_at,
                body=catalogue.body(public, event),
                status=DeliveryStatus.PENDING,
                next_attempt_at=now,
                created_at=now,
            )
            for event in events
            for index, public in enumerate(catalogue.translate(event))
            for endpoint_id, wanted, created_at in endpoints
            if public.type in wanted and created_at <= event.recorded_at
        ]
        WebhookDelivery.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
        queues.owe((row.endpoint_id, row.ordering_key, now) for row in rows)
        if rows:
            self.owed[events[-1].position] = {row.endpoint_id for row in rows}

    def after_commit(self, events: Sequence[RecordedEvent]) -> None:
        for endpoint_id in self.owed.pop(events[-1].position, ()):
            relay.wake(endpoint_id)

    def outlets(self) -> list[Outlet]:
        """Each endpoint, with the deliveries it is still owed."""
        return [
            Outlet(e.url, e.pending_count, e.oldest_pending, queries.state(e))
            for e in queries.with_backlog(queries.endpoints().order_by("url"))
        ]


registry.register(WebhookFanout())
