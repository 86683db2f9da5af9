"""Per-user rates, counted in Redis."""

from __future__ import annotations

import uuid

import pytest

from shop.api.throttling import Allowance
from tests.api.conftest import People, nothing_stored, problem

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_a_minute(settings) -> None:
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"user": "3/minute", "anon": "3/minute"},
    }


def forget_history(people: People) -> None:
    """User ids restart with each test database; Redis outlives it."""
    for person in (people.alice, people.bob):
        Allowance.named("user").forget(str(person.user.pk))


def test_the_fourth_request_in_a_minute_is_429(people: People, three_a_minute: None) -> None:
    forget_history(people)
    for _ in range(3):
        assert people.alice.get("/api/products").status_code == 200

    response = people.alice.get("/api/products")

    problem(response, 429)
    assert 1 <= int(response["Retry-After"]) <= 60


def test_a_throttled_write_stores_nothing(people: People, three_a_minute: None) -> None:
    forget_history(people)
    for _ in range(3):
        people.alice.get("/api/products")

    with nothing_stored():
        response = people.alice.post(
            f"/api/cart/{uuid.uuid4()}", {"productId": str(uuid.uuid4()), "quantity": 1}
        )

    problem(response, 429)


def test_each_user_has_their_own_allowance(people: People, three_a_minute: None) -> None:
    forget_history(people)
    for _ in range(4):
        people.alice.get("/api/products")

    assert people.bob.get("/api/products").status_code == 200
