"""Per-user rates, counted in Redis."""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest
import redis
import redis.asyncio
from django.conf import settings
from django.test import Client

from shop.api.throttling import SYNC_SECONDS, Allowance, LoopCounter
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


# The allowance itself, against the real Redis: the sync path DRF uses, and the event
# loop's LoopCounter, counting in the same keys.


def fresh_ident() -> str:
    return f"test-{uuid.uuid4().hex}"


def stored_count(allowance: Allowance, ident: str, window: int) -> int:
    """What Redis holds for `ident` in `window` and the next (a test may cross into it)."""
    stored = redis.Redis.from_url(settings.REDIS_URL)
    counts = stored.mget(allowance.key(ident, window), allowance.key(ident, window + 1))
    return sum(int(count or 0) for count in counts)


def a_counter(url: str | None = None) -> LoopCounter:
    client = redis.asyncio.Redis.from_url(url or settings.REDIS_URL)
    return LoopCounter(lambda: client)


def test_the_sliding_window_weighs_the_previous_window_by_what_is_left_of_it() -> None:
    allowance = Allowance("user", 10, 60)

    assert allowance.judge(current=5, previous=10, elapsed=0.5).allowed  # 5 + 5
    refused = allowance.judge(current=6, previous=10, elapsed=0.5)  # 5 + 6
    assert not refused.allowed
    assert refused.retry_after == 30
    assert allowance.judge(current=10, previous=10, elapsed=1.0).allowed


def test_a_refused_request_is_not_counted() -> None:
    allowance, ident = Allowance("user", 2, 60), fresh_ident()

    verdicts = [allowance.hit(ident).allowed for _ in range(4)]

    assert verdicts == [True, True, False, False]
    window, _ = allowance.position(time.time())
    assert int(redis.Redis.from_url(settings.REDIS_URL).get(allowance.key(ident, window))) == 2


async def test_the_loop_counter_refuses_past_the_rate_and_leaves_the_count_in_redis() -> None:
    allowance, ident = Allowance("user", 3, 60), fresh_ident()
    counter = a_counter()

    verdicts = [(await counter.hit(allowance, ident)).allowed for _ in range(5)]

    assert verdicts == [True, True, True, False, False]
    # Refusing sent the counts first: the synchronous path refuses too.
    assert not allowance.hit(ident).allowed


async def test_the_loop_counter_sees_what_the_synchronous_path_counted() -> None:
    allowance, ident = Allowance("user", 3, 60), fresh_ident()
    for _ in range(2):
        assert allowance.hit(ident).allowed
    counter = a_counter()

    assert (await counter.hit(allowance, ident)).allowed
    assert not (await counter.hit(allowance, ident)).allowed


async def test_the_loop_counter_sends_its_counts_within_a_sync_interval() -> None:
    allowance, ident = Allowance("user", 100, 60), fresh_ident()
    counter = a_counter()
    window, _ = allowance.position(time.time())
    for _ in range(7):
        assert (await counter.hit(allowance, ident)).allowed

    await asyncio.sleep(SYNC_SECONDS * 3)

    assert stored_count(allowance, ident, window) == 7


async def test_an_identity_dropped_as_idle_while_it_is_read_again_is_counted() -> None:
    """A returning identity is read from Redis; meanwhile the flush drops it as idle. The
    request was a 500 (KeyError) and its count was lost."""
    allowance, returning, busy = Allowance("user", 100, 60), fresh_ident(), fresh_ident()
    counter = a_counter()
    await counter.hit(allowance, returning)
    await counter.settle()
    counter._tallies[(allowance, returning)].read_at -= 3 * allowance.window  # long idle
    await counter.hit(allowance, busy)  # a flush is due in SYNC_SECONDS
    pause_ms = int(SYNC_SECONDS * 1000) + 300  # Redis answers nobody until the flush ran
    redis.Redis.from_url(settings.REDIS_URL).execute_command("CLIENT", "PAUSE", pause_ms, "ALL")

    verdict = await counter.hit(allowance, returning)

    assert verdict.allowed
    await counter.settle()
    window, _ = allowance.position(time.time())
    assert stored_count(allowance, returning, window - 1) == 2


async def test_the_loop_counter_lets_requests_through_while_redis_is_down() -> None:
    allowance, ident = Allowance("user", 1, 60), fresh_ident()
    counter = a_counter(f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there

    verdicts = [(await counter.hit(allowance, ident)).allowed for _ in range(2)]

    assert verdicts == [True, True]


async def test_a_refunded_request_leaves_no_count_in_redis() -> None:
    allowance, ident = Allowance("user", 100, 60), fresh_ident()
    counter = a_counter()
    window, _ = allowance.position(time.time())
    for _ in range(3):
        assert (await counter.hit(allowance, ident)).allowed

    counter.refund(allowance, ident)
    await counter.settle()

    assert stored_count(allowance, ident, window) == 2


async def test_near_the_rate_each_request_reads_what_others_counted_meanwhile() -> None:
    allowance, ident = Allowance("user", 10, 60), fresh_ident()
    counter = a_counter()
    for _ in range(8):  # 80%: from here on every request reads Redis first
        assert (await counter.hit(allowance, ident)).allowed
    await counter.settle()
    for _ in range(2):  # another process, or Django, uses up the rest at once
        assert allowance.hit(ident).allowed

    assert not (await counter.hit(allowance, ident)).allowed


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
