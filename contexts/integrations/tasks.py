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
            "SELECT e.id FROM integrations_webhookendpoint e WHERE e.enabled AND EXISTS ("
            " SELECT FROM integrations_webhookqueue q"
            " WHERE q.endpoint_id = e.id AND q.due_at <= now())"
        )
        due = [str(endpoint_id) for (endpoint_id,) in cursor.fetchall()]
    for endpoint_id in due:
        relay.wake(endpoint_id)
    return due
