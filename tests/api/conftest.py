"""The API suite: users with tokens, a JSON client, and "nothing was stored" checks.

Most tests run in a rolled-back transaction and execute commands in this process
(`execute`); read-your-writes and `?wait` run against the real Celery worker fixture.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db.models import Max
from django.test import Client

from eventstore.executor import Executor
from eventstore.models import Command
from eventstore.store import store
from eventstore.subscribers import Runner, registry
from shop.api.models import IdempotencyRecord
from shop.tokens.keys import issue
from tests.integration.conftest import celery_processes  # noqa: F401  the real worker
from tests.staff import with_every_right

BAKERS = ("sales.products", "cart.carts")


@pytest.fixture(autouse=True)
def generous_rates(settings: Any) -> None:
    """Throttles out of the way, except where a test lowers them again."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"user": "100000/minute", "anon": "100000/minute"},
    }


class Api:
    """A JSON client, signed in with a token when given a user."""

    def __init__(self, user: User | None = None) -> None:
        self.user = user
        self.client = Client()
        self.auth = {}
        if user is not None:
            self.auth = {"Authorization": f"Token {issue(user).key}"}

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        raw: bytes | str | None = None,
        content_type: str = "application/json",
        headers: dict[str, str] | None = None,
    ) -> Any:
        data = raw if raw is not None else ("" if body is None else json.dumps(body))
        return self.client.generic(
            method, path, data, content_type=content_type, headers={**self.auth, **(headers or {})}
        )

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> Any:
        return self.request("POST", path, body, **kwargs)

    def patch(self, path: str, body: Any = None, **kwargs: Any) -> Any:
        return self.request("PATCH", path, body, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Any:
        return self.request("DELETE", path, **kwargs)


def make_user(staff: bool = False) -> User:
    """A customer, or a member of staff with every back-office right."""
    user = User.objects.create_user(f"api-{uuid.uuid4().hex[:12]}", is_staff=staff)
    return with_every_right(user) if staff else user


@dataclass
class People:
    anonymous: Api
    alice: Api
    bob: Api
    staff: Api

    def as_(self, role: str) -> Api:
        return getattr(self, role)


def _people() -> People:
    return People(Api(), Api(make_user()), Api(make_user()), Api(make_user(staff=True)))


@pytest.fixture
def people(db: None) -> People:
    return _people()


@pytest.fixture
def committed_people(committed_db: None) -> People:
    return _people()


def execute() -> None:
    """Run every ready command and bake the API's tables, in this process."""
    Executor().run()
    for name in BAKERS:
        Runner(registry.named(name)).catch_up()


def snapshot() -> tuple:
    """What a request could have stored: commands, events, idempotency records."""
    return (
        Command.objects.aggregate(last=Max("seq"))["last"],
        store.head_position(),
        IdempotencyRecord.objects.count(),
    )


@contextmanager
def nothing_stored() -> Iterator[None]:
    before = snapshot()
    yield
    assert snapshot() == before, "a refused request stored something"


@pytest.fixture
def create_product(people: People) -> Callable[..., str]:
    """A product, created through the API by staff, executed and baked."""

    def create(name: str = "Teapot", price: str = "25.00", vendor: str | None = None) -> str:
        body = {"vendorId": vendor or str(uuid.uuid4()), "name": name, "price": price}
        response = people.staff.post("/api/products", body)
        assert response.status_code == 202, response.content
        execute()
        return response.json()["productId"]

    return create


def problem(response: Any, status: int) -> dict:
    """The response's problem document, after checking it is one with this status."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    assert {"type", "title", "status", "detail"} <= set(body)
    return body
