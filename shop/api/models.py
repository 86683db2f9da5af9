"""The API's own table: responses remembered under their Idempotency-Key."""

from __future__ import annotations

from django.db import models


class IdempotencyRecord(models.Model):
    """One client's use of one Idempotency-Key.

    While `response_status` is NULL the first request is in flight, holding the key
    until `locked_until` (a lease: a crashed process does not block the key forever).
    Once set, the response is replayed to every retry with the same request.
    """

    actor = models.CharField(max_length=150)
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64, help_text="sha256 of method, path and body.")
    method = models.CharField(max_length=10)
    path = models.TextField()
    token = models.UUIDField(help_text="Who holds the claim; changes when a lease is taken over.")
    locked_until = models.DateTimeField(null=True, blank=True)
    response_status = models.SmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    response_headers = models.JSONField(default=dict)
    created_at = models.DateTimeField(db_default=models.functions.Now())

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["actor", "key"], name="idempotency_actor_key"),
        ]
        indexes = [models.Index(fields=["created_at"], name="idempotency_created_idx")]

    def __str__(self) -> str:
        return f"{self.actor} {self.key!r} ({self.response_status or 'in flight'})"
