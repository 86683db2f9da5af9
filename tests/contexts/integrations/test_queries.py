"""Reads for the back office: each endpoint's backlog, and the endpoints in trouble."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from contexts.integrations import catalogue, queries
from contexts.integrations.models import WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db


def endpoint(**fields: object) -> WebhookEndpoint:
    now = timezone.now()
    return WebhookEndpoint.objects.create(
        id=uuid.uuid4(), url="https://93.184.216.34/in", events=["order.paid"],
        secret="whsec_x", created_at=now, updated_at=now, **fields,
    )  # fmt: skip


def owe(to: WebhookEndpoint, position: int, status: str, at: dt.datetime) -> None:
    WebhookDelivery.objects.create(
        id=catalogue.delivery_id(to.id, position, 0), endpoint=to, position=position, index=0,
        event_type="order.paid", ordering_key=uuid.uuid4(), occurred_at=at, body="{}",
        status=status, next_attempt_at=at, created_at=at,
    )  # fmt: skip


def test_the_backlog_counts_pending_deliveries_and_dates_the_oldest() -> None:
    behind, clear = endpoint(), endpoint()
    old, new = timezone.now() - dt.timedelta(hours=2), timezone.now()
    owe(behind, 1, "pending", old)
    owe(behind, 2, "pending", new)
    owe(behind, 3, "delivered", old - dt.timedelta(hours=1))
    owe(clear, 4, "delivered", new)

    backlog = queries.backlog()

    assert backlog[behind.id] == (2, old)
    assert backlog[clear.id] == (0, None)


def test_failing_endpoints_are_those_failing_now_or_disabled() -> None:
    fine = endpoint()
    failing = endpoint(failing_since=timezone.now())
    disabled = endpoint(enabled=False, disabled_reason="The receiver answered 410 Gone.")

    found = set(queries.failing().values_list("id", flat=True))

    assert {failing.id, disabled.id} <= found
    assert fine.id not in found
