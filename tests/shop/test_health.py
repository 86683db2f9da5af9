"""`GET /api/health` against the real Postgres and Redis, and with each one unreachable."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator

import pytest
from django.db import connection
from django.test import Client

pytestmark = pytest.mark.integration


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A local port that refuses connections: bound by this test, never listening."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


@contextlib.contextmanager
def database_unreachable(port: int) -> Iterator[None]:
    """Point new connections at `port` for the block, then reconnect normally (the
    connection pool is dropped both times: it holds connections to the real port)."""
    original_port = connection.settings_dict["PORT"]
    connection.close()
    connection.close_pool()
    connection.settings_dict["PORT"] = str(port)
    try:
        yield
    finally:
        connection.settings_dict["PORT"] = original_port
        connection.close()
        connection.close_pool()


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
    committed_db: None, closed_port: int
) -> None:
    with database_unreachable(closed_port):
        response = Client().get("/api/health")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "down"
    assert body["down"] == ["database"]
    assert body["checks"]["database"]["status"] == "down"
    assert "connection" in body["checks"]["database"]["error"]  # the pool found none
    assert body["checks"]["redis"]["status"] == "up"


def test_health_recovers_once_the_database_is_back(committed_db: None, closed_port: int) -> None:
    with database_unreachable(closed_port):
        assert Client().get("/api/health").status_code == 503

    response = Client().get("/api/health")

    assert response.status_code == 200
    assert response.json()["down"] == []
