"""Reads of the relay's tables, shared by the API and the back office (an endpoint's
lag, the endpoints failing)."""

from __future__ import annotations

import datetime as dt
from uuid import UUID

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from contexts.integrations.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint


def endpoints() -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.all()


def endpoint(endpoint_id: UUID) -> WebhookEndpoint | None:
    return WebhookEndpoint.objects.filter(id=endpoint_id).first()


def deliveries(endpoint_id: UUID, status: str | None = None) -> QuerySet[WebhookDelivery]:
    rows = WebhookDelivery.objects.filter(endpoint_id=endpoint_id).defer("body")
    return rows.filter(status=status) if status else rows


def delivery(endpoint_id: UUID, delivery_id: UUID) -> WebhookDelivery | None:
    return WebhookDelivery.objects.filter(endpoint_id=endpoint_id, id=delivery_id).first()


def with_backlog(endpoints: QuerySet[WebhookEndpoint]) -> QuerySet[WebhookEndpoint]:
    """The endpoints, each with its lag: `pending_count`, its pending deliveries, and
    `oldest_pending`, when the oldest one's event was recorded (None when none is).

    Each is a subquery over the pending deliveries' index, so its cost grows with the
    backlog, not with every delivery ever made (a join grouped by endpoint read them all:
    516 ms against 4 ms over a million delivered)."""
    pending = WebhookDelivery.objects.filter(
        endpoint_id=OuterRef("pk"), status=DeliveryStatus.PENDING
    ).order_by()
    count = pending.values("endpoint_id").annotate(n=Count("*")).values("n")
    oldest = pending.order_by("occurred_at").values("occurred_at")[:1]
    return endpoints.annotate(
        pending_count=Coalesce(Subquery(count), Value(0), output_field=IntegerField()),
        oldest_pending=Subquery(oldest),
    )


def backlog() -> dict[UUID, tuple[int, dt.datetime | None]]:
    """Each endpoint's lag, by id (`with_backlog`)."""
    return {e.id: (e.pending_count, e.oldest_pending) for e in with_backlog(endpoints())}


def state(endpoint: WebhookEndpoint) -> str:
    """What the back office says of an endpoint: ok, failing since when, or disabled
    and why."""
    if not endpoint.enabled:
        return f"disabled: {endpoint.disabled_reason or 'by staff'}"
    if endpoint.failing_since:
        return f"failing since {endpoint.failing_since:%Y-%m-%d %H:%M} UTC"
    return "ok"


def failing() -> QuerySet[WebhookEndpoint]:
    """Endpoints in trouble: failing now, or disabled (by the relay or by staff)."""
    return WebhookEndpoint.objects.filter(Q(failing_since__isnull=False) | Q(enabled=False))
