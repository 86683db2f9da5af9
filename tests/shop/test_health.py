"""`/api/health/live`, `/api/health/ready` and `/api/health` against the real Postgres and
Redis and a real worker, relay worker and beat; and with each part unreachable or stopped."""

from __future__ import annotations

import socket
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client

from shop import health, heartbeats
from shop.tokens.keys import issue
from tests.database_outage import database_unreachable
from tests.integration.processes import Celery, purge_wake_ups, stop_all

pytestmark = pytest.mark.integration

PARTS = ["database", "redis", "worker", "relayWorker", "beat", "subscribers"]
READY_PATHS = ["/api/health/ready", "/api/health"]


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A local port that refuses connections: bound by this test, never listening."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


@pytest.fixture(scope="module")
def running(
    django_db_setup: None, django_db_blocker, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[None]:
    """A worker, the relay's worker and beat, as `make run` and the Procfile start them,
    once the readiness check has seen all three."""
    purge_wake_ups()
    forget_heartbeats()  # another test's processes' would answer for these for 30 s
    logs = tmp_path_factory.mktemp("health")
    kinds = ("worker", "relay", "beat")
    processes = [Celery(kind, logs, n=n).start() for n, kind in enumerate(kinds)]
    try:
        with django_db_blocker.unblock():
            wait_until_ready(logs)
        yield
    finally:
        stop_all(processes)


def forget_heartbeats() -> None:
    parts = [part for part, _ in health.heartbeat_parts().values()]
    with redis.Redis.from_url(settings.REDIS_URL) as client:
        client.delete(*(heartbeats.key(part) for part in parts))


def wait_until_ready(logs: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while (status := Client().get("/api/health/ready").status_code) != 200:
        if time.monotonic() > deadline:
            tails = {p.name: p.read_text()[-2000:] for p in logs.glob("*.log")}
            raise AssertionError(f"not ready after {timeout}s ({status}): {tails}")
        time.sleep(0.5)


@pytest.fixture
def staff_token(db: None) -> str:
    user = User.objects.create_user(f"health-{uuid.uuid4().hex[:10]}", is_staff=True)
    return issue(user).key


@pytest.fixture
def customer_token(db: None) -> str:
    return issue(User.objects.create_user(f"health-{uuid.uuid4().hex[:10]}")).key


def details_of(body: dict) -> dict[str, set[str]]:
    return {name: set(check) for name, check in body["checks"].items()}


def test_live_answers_with_neither_database_nor_redis(
    committed_db: None, settings, closed_port: int
) -> None:
    settings.REDIS_URL = f"redis://127.0.0.1:{closed_port}/0"

    with database_unreachable():
        response = Client().get("/api/health/live")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok"}


@pytest.mark.parametrize("path", READY_PATHS)
@pytest.mark.django_db
def test_ready_answers_200_with_every_part_up(running: None, path: str) -> None:
    response = Client().get(path)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert (body["status"], body["down"], list(body["checks"])) == ("ok", [], PARTS)
    assert {name: check["status"] for name, check in body["checks"].items()} == dict.fromkeys(
        PARTS, "up"
    )
    for name in ("worker", "relayWorker", "beat"):
        assert 0 <= body["checks"][name]["ageSeconds"] < 30, name
    lag = body["checks"]["subscribers"]
    assert lag["maxLag"] == 10_000
    assert 0 <= lag["worstLag"] <= 10_000
    assert details_of(body) == {
        "database": {"status", "latencyMs"},
        "redis": {"status", "latencyMs"},
        "worker": {"status", "ageSeconds"},
        "relayWorker": {"status", "ageSeconds"},
        "beat": {"status", "ageSeconds"},
        "subscribers": {"status", "worstLag", "maxLag"},  # not which one: staff only
    }


@pytest.mark.django_db
def test_staff_also_see_which_subscriber_lags_most(running: None, staff_token: str) -> None:
    response = Client().get("/api/health/ready", HTTP_AUTHORIZATION=f"Token {staff_token}")

    assert response.status_code == 200
    assert set(response.json()["checks"]["subscribers"]) == {
        "status", "worstLag", "maxLag", "subscriber"
    }  # fmt: skip


@pytest.mark.django_db
def test_ready_answers_503_naming_redis_and_hides_the_error_from_anonymous_callers(
    running: None, settings, closed_port: int
) -> None:
    settings.REDIS_URL = f"redis://127.0.0.1:{closed_port}/0"

    response = Client().get("/api/health/ready")

    assert response.status_code == 503
    body = response.json()
    assert (body["status"], body["down"]) == ("down", ["redis"])
    assert {name: check["status"] for name, check in body["checks"].items()} == {
        "database": "up", "redis": "down", "worker": "unknown", "relayWorker": "unknown",
        "beat": "unknown", "subscribers": "up",
    }  # fmt: skip
    assert body["checks"]["redis"] == {"status": "down"}
    assert str(closed_port) not in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(("caller", "told_why"), [("staff_token", True), ("customer_token", False)])
def test_staff_see_why_redis_is_down_and_a_customer_sees_no_error_either(
    running: None,
    settings,
    closed_port: int,
    request: pytest.FixtureRequest,
    caller: str,
    told_why: bool,
) -> None:
    settings.REDIS_URL = f"redis://127.0.0.1:{closed_port}/0"
    token = request.getfixturevalue(caller)

    response = Client().get("/api/health", HTTP_AUTHORIZATION=f"Token {token}")

    assert response.status_code == 503
    assert response.json()["down"] == ["redis"]
    redis = response.json()["checks"]["redis"]
    shown = {"status", "error"} if told_why else {"status"}
    assert (redis["status"], set(redis)) == ("down", shown)
    assert (str(closed_port) in redis.get("error", "")) is told_why


@pytest.mark.django_db
def test_a_bad_token_is_anonymous_not_401(running: None) -> None:
    response = Client().get("/api/health/ready", HTTP_AUTHORIZATION="Token not-a-token")

    assert response.status_code == 200
    assert "subscriber" not in response.json()["checks"]["subscribers"]


@pytest.mark.parametrize("path", READY_PATHS)
def test_ready_answers_503_naming_the_database_when_it_is_unreachable(
    running: None, committed_db: None, path: str
) -> None:
    with database_unreachable():
        response = Client().get(path)

    assert response.status_code == 503
    body = response.json()
    assert (body["status"], body["down"]) == ("down", ["database"])
    assert {name: check["status"] for name, check in body["checks"].items()} == {
        "database": "down", "redis": "up", "worker": "up", "relayWorker": "up", "beat": "up",
        "subscribers": "unknown",
    }  # fmt: skip
    assert body["checks"]["database"] == {"status": "down"}


def test_ready_recovers_once_the_database_is_back(running: None, committed_db: None) -> None:
    with database_unreachable():
        assert Client().get("/api/health/ready").status_code == 503

    response = Client().get("/api/health/ready")

    assert response.status_code == 200
    assert response.json()["down"] == []


@pytest.mark.django_db
def test_ready_names_workers_and_beat_whose_heartbeats_are_missing(
    settings, staff_token: str
) -> None:
    """Queues no worker serves, and no beat sweeps for: as after they stopped 30 s ago."""
    settings.CELERY_TASK_DEFAULT_QUEUE = f"health-{uuid.uuid4().hex}"

    anonymous = Client().get("/api/health/ready")
    staff = Client().get("/api/health/ready", HTTP_AUTHORIZATION=f"Token {staff_token}")

    assert anonymous.status_code == staff.status_code == 503
    assert anonymous.json()["down"] == ["worker", "relayWorker", "beat"]
    for name in ("worker", "relayWorker", "beat"):
        assert anonymous.json()["checks"][name] == {"status": "down", "ageSeconds": None}
        assert staff.json()["checks"][name] == {
            "status": "down", "ageSeconds": None, "error": "no heartbeat in the last 30 s"
        }  # fmt: skip
