"""Celery beat tasks of the API platform."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from shop.api import idempotency

PURGE_IDEMPOTENCY_KEYS = "shop.api.purge_idempotency_keys"


@shared_task(name=PURGE_IDEMPOTENCY_KEYS)
def purge_idempotency_keys() -> int:
    """Forget Idempotency-Keys older than their retention (24 h)."""
    return idempotency.purge(timezone.now())
