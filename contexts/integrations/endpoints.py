"""What staff do to webhook endpoints: register, change, rotate the secret, delete,
redeliver and replay. Each is one short transaction on the relay's tables, followed by
a wake-up of the endpoint's relay after commit when there is something to send."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from uuid import UUID

from django.db import transaction
from django.utils import timezone

from contexts.integrations import addresses, queues, relay, signing
from contexts.integrations.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint


def register(url: str, events: Iterable[str], description: str = "") -> WebhookEndpoint:
    """A new enabled endpoint with a fresh secret, or `addresses.Refused`."""
    addresses.resolve(url)
    now = timezone.now()
    return WebhookEndpoint.objects.create(
        id=uuid.uuid4(), url=url, events=sorted(set(events)), description=description,
        secret=signing.new_secret(), created_at=now, updated_at=now,
    )  # fmt: skip


def change(endpoint: WebhookEndpoint, **fields: object) -> WebhookEndpoint:
    """Enable, disable, or change the events, URL or description. A new URL is checked
    as at registration; enabling clears the failing spell and wakes the relay."""
    if "url" in fields and fields["url"] != endpoint.url:
        addresses.resolve(str(fields["url"]))
    if "events" in fields:
        fields["events"] = sorted(set(fields["events"]))  # type: ignore[arg-type]
    enabling = fields.get("enabled") is True and not endpoint.enabled
    if enabling:
        fields.update(disabled_reason="", failing_since=None)
    elif fields.get("enabled") is False and endpoint.enabled:
        fields["disabled_reason"] = "Disabled by staff."
    for name, value in fields.items():
        setattr(endpoint, name, value)
    endpoint.updated_at = timezone.now()
    endpoint.save()
    if enabling:
        _wake(endpoint.id)
    return endpoint


def rotate_secret(endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """A new secret; the old one still signs, second, for a day."""
    now = timezone.now()
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_until = now + dt.timedelta(seconds=relay.ROTATED_SECRET_SECONDS)
    endpoint.secret = signing.new_secret()
    endpoint.updated_at = now
    endpoint.save()
    return endpoint


@transaction.atomic
def redeliver(delivery: WebhookDelivery) -> WebhookDelivery:
    """Send it again, now, with a fresh schedule of retries: a dead one, or one already
    delivered. Its order's later deliveries wait behind it, as they did the first time."""
    delivery.status = DeliveryStatus.PENDING
    delivery.attempts = 0
    delivery.next_attempt_at = timezone.now()
    delivery.save(update_fields=["status", "attempts", "next_attempt_at"])
    queues.owe([(delivery.endpoint_id, delivery.ordering_key, delivery.next_attempt_at)])
    _wake(delivery.endpoint_id)
    return delivery


@transaction.atomic
def replay(endpoint: WebhookEndpoint, since: dt.datetime) -> int:
    """Send again every delivery of an event recorded after `since`, in order, as
    `redeliver` does; how many."""
    now = timezone.now()
    deliveries = WebhookDelivery.objects.filter(endpoint=endpoint, occurred_at__gt=since)
    count = deliveries.update(status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=now)
    keys = deliveries.values_list("ordering_key", flat=True).distinct()
    queues.owe((endpoint.id, key, now) for key in keys)
    if count:
        _wake(endpoint.id)
    return count


def _wake(endpoint_id: UUID) -> None:
    transaction.on_commit(lambda: relay.wake(endpoint_id))
