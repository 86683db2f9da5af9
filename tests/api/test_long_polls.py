"""Long polls (`?wait=`, `?after=`): a few per user at a time, and no database connection
held while one waits."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import pytest
from django.db import connection, connections

from shop.api import consistency, long_polls
from tests.api.conftest import Api, People, execute, problem

pytestmark = pytest.mark.integration

WAIT = 2  # seconds each long poll below waits for a command no worker runs


@pytest.fixture
def pending(committed_people: People, settings: Any, monkeypatch: pytest.MonkeyPatch) -> str:
    """Alice's command that stays pending (no worker runs in these tests)."""
    settings.SHOP_LONG_POLL_MAX_PER_USER = 4
    monkeypatch.setattr(consistency, "AFTER_TIMEOUT", WAIT)
    long_polls.forget(committed_people.alice.user.pk)
    product = committed_people.staff.post(
        "/api/products", {"vendorId": str(uuid.uuid4()), "name": "Teapot", "price": "25.00"}
    ).json()["productId"]
    execute()  # the product is on sale; Alice's cart command below stays pending
    added = committed_people.alice.post(
        f"/api/cart/{uuid.uuid4()}", {"productId": product, "quantity": 1}
    )
    return added.json()["commandId"]


LONG_POLLS = {
    "wait": lambda command: f"/api/commands/{command}?wait={WAIT}",
    "after": lambda command: f"/api/products?after={command}",
}


@pytest.fixture
def waiting_in_threads(committed_people: People) -> Iterator[Callable[..., list[Future]]]:
    pool = ThreadPoolExecutor(max_workers=8)

    def start(count: int, path: str) -> list[Future]:
        clients = [Api(committed_people.alice.user) for _ in range(count)]
        futures = [pool.submit(get_and_disconnect, client, path) for client in clients]
        held_by = time.monotonic() + 5
        while long_polls.waiting(committed_people.alice.user.pk) < count:
            assert time.monotonic() < held_by, "the long polls did not start"
            time.sleep(0.02)
        return futures

    yield start
    pool.shutdown(wait=True)


def get_and_disconnect(client: Api, path: str) -> Any:
    """The request, then this thread's connection closed (the test client keeps it)."""
    try:
        return client.get(path)
    finally:
        connections.close_all()


@pytest.mark.parametrize("kind", LONG_POLLS)
def test_a_long_poll_past_the_user_s_limit_is_429(
    committed_people: People, pending: str, waiting_in_threads: Callable, kind: str
) -> None:
    path = LONG_POLLS[kind](pending)
    four = waiting_in_threads(4, path)

    fifth = committed_people.alice.get(path)
    still_waiting = long_polls.waiting(committed_people.alice.user.pk)
    bobs = committed_people.bob.get(f"/api/commands/{uuid.uuid4()}?wait={WAIT}")

    body = problem(fifth, 429)
    assert body["detail"] == (
        "You have too many requests waiting (`wait` or `after`); retry when one has answered."
    )
    assert fifth["Retry-After"] == "1"
    assert still_waiting == 4  # the fifth was refused at once, not after a wait of its own
    problem(bobs, 404)  # another user's own polls are not Alice's
    assert sorted(f.result().status_code for f in four) == [200 if kind == "wait" else 503] * 4
    assert long_polls.waiting(committed_people.alice.user.pk) == 0


def test_a_long_poll_is_allowed_again_once_one_has_answered(
    committed_people: People, pending: str, waiting_in_threads: Callable
) -> None:
    for future in waiting_in_threads(4, LONG_POLLS["wait"](pending)):
        future.result()

    response = committed_people.alice.get(f"/api/commands/{pending}?wait=1")

    assert response.status_code == 200 and response.json()["status"] == "pending"


@pytest.mark.parametrize("kind", LONG_POLLS)
def test_a_waiting_request_holds_no_database_connection(
    pending: str, waiting_in_threads: Callable, kind: str
) -> None:
    (poll,) = waiting_in_threads(1, LONG_POLLS[kind](pending))
    connection.close()  # this thread's own goes back to the pool too
    time.sleep(0.3)  # well into the wait

    held = []
    for _ in range(50):
        held.append(checked_out())
        time.sleep(0.02)

    # A request that kept its connection through the wait shows in every sample; one
    # that takes it only for each poll's query shows in few (how few depends on how
    # busy the machine is, so the bound is loose).
    assert held.count(0) >= 40, held
    assert poll.result().status_code == (200 if kind == "wait" else 503)


def checked_out() -> int:
    """Connections of this process's pool in use now (a poll's own lasts a few
    milliseconds, between its reads)."""
    stats = connection.pool.get_stats()
    return stats["pool_size"] - stats["pool_available"]
