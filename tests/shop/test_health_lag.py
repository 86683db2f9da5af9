"""`/api/health/ready` against SHOP_HEALTH_MAX_LAG: a subscriber further behind the head
is named. No worker runs for this module, so the lag a test makes stays."""

from __future__ import annotations

import uuid

import pytest
from django.contrib.auth.models import User
from django.test import Client

from eventstore.executor import Executor
from eventstore.inbox import submit
from eventstore.subscribers import lag
from shop.tokens.keys import issue
from tests.pipeline import domain

pytestmark = pytest.mark.integration


def append_an_event() -> None:
    """A command executed here, its events baked by no one: every subscriber lags."""
    submit(domain.OpenAccount(uuid.uuid4(), "health"), actor="health")
    Executor().run()


def test_ready_names_the_subscribers_when_one_lags_more_than_allowed(
    committed_db: None, settings
) -> None:
    append_an_event()
    name, worst = max(lag().items(), key=lambda item: item[1])
    settings.SHOP_HEALTH_MAX_LAG = worst - 1
    staff = issue(User.objects.create_user(f"lag-{uuid.uuid4().hex[:10]}", is_staff=True))

    anonymous = Client().get("/api/health/ready")
    as_staff = Client().get("/api/health/ready", HTTP_AUTHORIZATION=f"Token {staff.key}")

    assert anonymous.status_code == as_staff.status_code == 503
    assert "subscribers" in anonymous.json()["down"]
    assert anonymous.json()["checks"]["subscribers"] == {
        "status": "down", "worstLag": worst, "maxLag": worst - 1
    }  # fmt: skip
    assert as_staff.json()["checks"]["subscribers"] == {
        "status": "down", "worstLag": worst, "maxLag": worst - 1, "subscriber": name,
        "error": f"{name} is {worst} events behind the head (at most {worst - 1})",
    }  # fmt: skip


def test_a_lag_at_the_limit_is_up(committed_db: None, settings) -> None:
    append_an_event()
    worst = max(lag().values())
    settings.SHOP_HEALTH_MAX_LAG = worst

    response = Client().get("/api/health/ready")

    assert response.json()["checks"]["subscribers"] == {
        "status": "up", "worstLag": worst, "maxLag": worst
    }  # fmt: skip
