"""The relay's own tables: the endpoints staff register and the deliveries owed to them.

These are not presentation tables: no baker writes them and they cannot be rebuilt
from the events. An endpoint is configuration, edited in place through the API (its
secret must be replaceable and must never sit in the append-only event log); a
delivery is the relay's record of what it owes a receiver, written with the fan-out's
checkpoint (`fanout.py`) and moved on only by the receiver's answers (`relay.py`).
"""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models

MANAGE_WEBHOOKS = "integrations.manage_webhooks"
"""The one right over webhook endpoints, in the API and the back office alike."""


class WebhookEndpoint(models.Model):
    id = models.UUIDField(primary_key=True)
    url = models.URLField(max_length=2000)
    events = ArrayField(models.CharField(max_length=50))
    description = models.CharField(max_length=500, blank=True)
    secret = models.CharField(max_length=100)
    previous_secret = models.CharField(max_length=100, blank=True)
    previous_secret_until = models.DateTimeField(null=True, blank=True)
    enabled = models.BooleanField(default=True)
    disabled_reason = models.CharField(max_length=200, blank=True)
    failing_since = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = "webhook endpoint"
        permissions = [("manage_webhooks", "Can register and manage webhook endpoints")]

    def __str__(self) -> str:
        return self.url


class DeliveryStatus(models.TextChoices):
    PENDING = "pending"
    DELIVERED = "delivered"
    DEAD = "dead"


class WebhookDelivery(models.Model):
    """One public event owed to one endpoint. Its id is derived from the endpoint and the
    event (`catalogue.delivery_id`), so the `webhook-id` header is the same on every try."""

    id = models.UUIDField(primary_key=True)
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE)
    position = models.BigIntegerField(help_text="The internal event's position.")
    index = models.SmallIntegerField(help_text="Which of the event's public events.")
    event_type = models.CharField(max_length=50)
    ordering_key = models.UUIDField(help_text="The order: its events go out in order.")
    occurred_at = models.DateTimeField()
    body = models.TextField(help_text="Exactly the bytes sent, on every attempt.")
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices)
    attempts = models.IntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_status_code = models.IntegerField(null=True, blank=True)
    last_latency_ms = models.IntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name_plural = "webhook deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "position", "index"], name="integrations_delivery_event"
            )
        ]
        indexes = [
            models.Index(
                fields=["endpoint", "ordering_key", "position", "index"],
                condition=models.Q(status=DeliveryStatus.PENDING),
                name="integrations_delivery_queue",
            ),
            models.Index(fields=["endpoint", "created_at"], name="integrations_delivery_listed"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} to {self.endpoint_id}"

    @property
    def message_id(self) -> str:
        """The `webhook-id` header: stable per event and endpoint."""
        return f"msg_{self.id.hex}"


class WebhookQueue(models.Model):
    """An order with deliveries pending at an endpoint, and when its head may be due: a
    lower bound, made exact by the relay (`queues.py`). The relay finds due orders here
    in an index, whatever the size of the endpoint's backlog."""

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE)
    ordering_key = models.UUIDField()
    due_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "ordering_key"], name="integrations_queue_order"
            )
        ]
        indexes = [models.Index(fields=["endpoint", "due_at"], name="integrations_queue_due")]

    def __str__(self) -> str:
        return f"order {self.ordering_key} at {self.endpoint_id}"
