"""The relay's Celery tasks, on its own queue (`shop.celery.route`)."""

from __future__ import annotations

from celery import shared_task
from django.db import connection

from contexts.integrations import relay

SWEEP = "integrations.sweep"


@shared_task(name=relay.DELIVER)
def deliver(endpoint_id: str) -> int:
    return relay.woken(endpoint_id)


@shared_task(name=SWEEP)
def sweep() -> list[str]:
    """Wake every enabled endpoint with a delivery due: retries whose time has come, and
    deliveries whose wake-up was lost or whose worker died mid-send."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT d.endpoint_id FROM integrations_webhookdelivery d"
            " JOIN integrations_webhookendpoint e ON e.id = d.endpoint_id"
            " WHERE d.status = 'pending' AND d.next_attempt_at <= now() AND e.enabled"
        )
        due = [str(endpoint_id) for (endpoint_id,) in cursor.fetchall()]
    for endpoint_id in due:
        relay.wake(endpoint_id)
    return due
