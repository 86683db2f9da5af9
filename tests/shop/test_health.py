"""`GET /api/health` against the real Postgres and Redis, and with each one unreachable."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from django.test import Client

from tests.database_outage import database_unreachable

pytestmark = pytest.mark.integration


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A local port that refuses connections: bound by this test, never listening."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


@pytest.mark.django_db
def test_health_answers_200_when_database_and_redis_are_up() -> None:
    response = Client().get("/api/health")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["status"] == "ok"
    assert body["down"] == []
    assert set(body["checks"]) == {"database", "redis"}
    for check in body["checks"].values():
        assert check["status"] == "up"
        assert check["latencyMs"] >= 0


@pytest.mark.django_db
def test_health_answers_503_naming_redis_when_redis_is_unreachable(
    settings, closed_port: int
) -> None:
    settings.REDIS_URL = f"redis://127.0.0.1:{closed_port}/0"

    response = Client().get("/api/health")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "down"
    assert body["down"] == ["redis"]
    assert body["checks"]["database"]["status"] == "up"
    assert body["checks"]["redis"]["status"] == "down"
    assert str(closed_port) in body["checks"]["redis"]["error"]


def test_health_answers_503_naming_the_database_when_it_is_unreachable(
    committed_db: None,
) -> None:
    with database_unreachable():
        response = Client().get("/api/health")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "down"
    assert body["down"] == ["database"]
    assert body["checks"]["database"]["status"] == "down"
    assert "connection" in body["checks"]["database"]["error"]  # the pool found none
    assert body["checks"]["redis"]["status"] == "up"


def test_health_recovers_once_the_database_is_back(committed_db: None) -> None:
    with database_unreachable():
        assert Client().get("/api/health").status_code == 503

    response = Client().get("/api/health")

    assert response.status_code == 200
    assert response.json()["down"] == []
