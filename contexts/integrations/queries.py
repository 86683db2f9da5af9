"""Reads of the relay's tables, shared by the API and the back office."""

from __future__ import annotations

from uuid import UUID

from django.db.models import QuerySet

from contexts.integrations.models import WebhookDelivery, WebhookEndpoint


def endpoints() -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.all()


def endpoint(endpoint_id: UUID) -> WebhookEndpoint | None:
    return WebhookEndpoint.objects.filter(id=endpoint_id).first()


def deliveries(endpoint_id: UUID, status: str | None = None) -> QuerySet[WebhookDelivery]:
    rows = WebhookDelivery.objects.filter(endpoint_id=endpoint_id).defer("body")
    return rows.filter(status=status) if status else rows


def delivery(endpoint_id: UUID, delivery_id: UUID) -> WebhookDelivery | None:
    return WebhookDelivery.objects.filter(endpoint_id=endpoint_id, id=delivery_id).first()
