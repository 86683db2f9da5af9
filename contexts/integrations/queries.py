"""Reads of the relay's tables, shared by the API and the back office (an endpoint's
lag, the endpoints failing)."""

from __future__ import annotations

import datetime as dt
from uuid import UUID

from django.db.models import Count, Min, Q, QuerySet

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


def backlog() -> dict[UUID, tuple[int, dt.datetime | None]]:
    """Each endpoint's lag: its pending deliveries, and when the oldest one's event was
    recorded (None when nothing is pending)."""
    pending = (
        WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING)
        .values("endpoint_id")
        .annotate(count=Count("id"), oldest=Min("occurred_at"))
    )
    found = {row["endpoint_id"]: (row["count"], row["oldest"]) for row in pending}
    return {
        id: found.get(id, (0, None)) for id in WebhookEndpoint.objects.values_list("id", flat=True)
    }


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
