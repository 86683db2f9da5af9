"""Per-user rates, counted in Redis."""

from __future__ import annotations

import time
import uuid

import pytest
import redis
from django.conf import settings
from django.test import Client

from shop.api.throttling import Allowance
from shop.devstack.services import free_port
from tests.api.conftest import People, nothing_stored, problem


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


@pytest.mark.django_db
def test_the_fourth_request_in_a_minute_is_429(people: People, three_a_minute: None) -> None:
    forget_history(people)
    for _ in range(3):
        assert people.alice.get("/api/products").status_code == 200

    response = people.alice.get("/api/products")

    problem(response, 429)
    assert 1 <= int(response["Retry-After"]) <= 60


@pytest.mark.django_db
def test_a_throttled_write_stores_nothing(people: People, three_a_minute: None) -> None:
    forget_history(people)
    for _ in range(3):
        people.alice.get("/api/products")

    with nothing_stored():
        response = people.alice.post(
            f"/api/cart/{uuid.uuid4()}", {"productId": str(uuid.uuid4()), "quantity": 1}
        )

    problem(response, 429)


@pytest.mark.django_db
def test_each_user_has_their_own_allowance(people: People, three_a_minute: None) -> None:
    forget_history(people)
    for _ in range(4):
        people.alice.get("/api/products")

    assert people.bob.get("/api/products").status_code == 200


# The allowance itself, against the real Redis.


def fresh_ident() -> str:
    return f"test-{uuid.uuid4().hex}"


def counted(allowance: Allowance, ident: str, window: int, count: int) -> None:
    """`count` requests by `ident` stored in `window`, as any server process would."""
    redis.Redis.from_url(settings.REDIS_URL).set(allowance.key(ident, window), count, ex=120)


def test_the_sliding_window_weighs_the_previous_window_by_what_is_left_of_it() -> None:
    allowance, ident = Allowance("user", 10, 60), fresh_ident()
    window = 1000
    halfway = (window + 0.5) * 60  # half of the previous window's count still weighs
    counted(allowance, ident, window - 1, 10)
    counted(allowance, ident, window, 4)

    assert allowance.hit(ident, now=halfway).allowed  # 5 + 5
    refused = allowance.hit(ident, now=halfway)  # 5 + 6

    assert not refused.allowed
    assert refused.retry_after == 30
    at_the_end = (window + 1) * 60 - 0.001  # the previous window no longer weighs: 0 + 6
    assert allowance.hit(ident, now=at_the_end).allowed


def test_a_refused_request_is_not_counted() -> None:
    allowance, ident = Allowance("user", 2, 60), fresh_ident()

    verdicts = [allowance.hit(ident).allowed for _ in range(4)]

    assert verdicts == [True, True, False, False]
    window, _ = allowance.position(time.time())
    assert int(redis.Redis.from_url(settings.REDIS_URL).get(allowance.key(ident, window))) == 2


def test_every_process_counts_in_the_same_keys() -> None:
    """What another server process counted (here: written straight to Redis) counts
    against the same allowance."""
    allowance, ident = Allowance("user", 3, 60), fresh_ident()
    window, _ = allowance.position(time.time())
    redis.Redis.from_url(settings.REDIS_URL).set(allowance.key(ident, window), 2, ex=120)

    assert allowance.hit(ident).allowed
    assert not allowance.hit(ident).allowed


def test_requests_go_through_while_redis_is_down(settings) -> None:
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    allowance, ident = Allowance("user", 1, 60), fresh_ident()

    verdicts = [allowance.hit(ident).allowed for _ in range(2)]

    assert verdicts == [True, True]


# The anonymous allowance is per client address: the socket's peer, or what a trusted
# proxy says it saw (shop.client_address).


def fresh_address() -> str:
    """An address no earlier run has counted (Redis outlives the test database)."""
    raw = uuid.uuid4().int
    address = f"10.{raw % 250}.{raw // 250 % 250}.{raw // 62500 % 250 + 1}"
    Allowance.named("anon").forget(address)
    return address


@pytest.mark.django_db
def test_rotating_x_forwarded_for_does_not_reset_the_anonymous_allowance(
    three_a_minute: None,
) -> None:
    peer = fresh_address()
    browser = Client(REMOTE_ADDR=peer)
    for n in range(3):
        forwarded = {"X-Forwarded-For": f"198.51.100.{n}"}
        assert browser.get("/api/products", headers=forwarded).status_code == 200

    response = browser.get("/api/products", headers={"X-Forwarded-For": "198.51.100.99"})

    problem(response, 429)
    assert Client(REMOTE_ADDR=fresh_address()).get("/api/products").status_code == 200


@pytest.mark.django_db
def test_a_trusted_proxy_s_x_forwarded_for_names_the_client(three_a_minute: None, settings) -> None:
    proxy, first, second = fresh_address(), fresh_address(), fresh_address()
    settings.SHOP_TRUSTED_PROXIES = [proxy]
    browser = Client(REMOTE_ADDR=proxy)
    for _ in range(3):
        browser.get("/api/products", headers={"X-Forwarded-For": f"6.6.6.6, {first}"})

    refused = browser.get("/api/products", headers={"X-Forwarded-For": f"6.6.6.6, {first}"})
    other = browser.get("/api/products", headers={"X-Forwarded-For": second})

    problem(refused, 429)
    assert other.status_code == 200
