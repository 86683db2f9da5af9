"""Postgres restarting, or down for a while, under orders placed as `make run` serves
HTTP (granian: several processes of several threads, each process with its pool).

A restart ends every server connection; `pg_terminate_backend` does exactly that to the
servers' backends, without stopping the Postgres the rest of the suite shares. A real
outage is a proxy in front of Postgres taken down and brought back (outage_proxy.py).
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.message import Message

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.db.models.functions import Now

from eventstore.executor import Executor
from eventstore.models import Command
from eventstore.subscribers import Runner, registry
from shop.devstack.servers import http_server
from shop.tokens.keys import issue
from tests.integration import processes
from tests.integration.outage_proxy import OutageProxy
from tests.livestack import Server, start_server  # noqa: F401  the real HTTP server
from tests.staff import with_every_right

pytestmark = pytest.mark.integration

HOME = {"name": "Ada", "line1": "1 Main St", "city": "Springfield", "postalCode": "12345",
        "country": "US"}  # fmt: skip
UNAVAILABLE = "/api/problems/database-unavailable"


@dataclass
class Answer:
    started: float
    ended: float
    status: int
    body: dict
    headers: Message  # case-insensitive, as HTTP names are


def post(url: str, token: str, body: dict) -> Answer:
    request = urllib.request.Request(
        url, json.dumps(body).encode(), method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Token {token}"},
    )  # fmt: skip
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            status, raw, headers = response.status, response.read(), response.headers
    except urllib.error.HTTPError as error:
        status, raw, headers = error.code, error.read(), error.headers
    return Answer(started, time.monotonic(), status, json.loads(raw), headers)


@dataclass
class Shop:
    """A server, a customer of it and a product on sale."""

    server: Server
    customer: User
    token: str
    product: str

    def orders(self, threads: int) -> Orders:
        return Orders(self, threads)

    def stored(self) -> set[str]:
        """The commands this customer's orders stored."""
        commands = Command.objects.filter(actor=f"customer:{self.customer.pk}")
        return {str(pk) for pk in commands.values_list("pk", flat=True)}


class Orders:
    """Threads placing orders back to back, for the length of a `with` block."""

    def __init__(self, shop: Shop, threads: int) -> None:
        self.url, self.token = f"{shop.server.url}/api/order", shop.token
        line = {"productId": shop.product, "quantity": 1}
        self.body = {"lines": [line], "shippingAddress": HOME}
        self.answers: list[Answer] = []
        self.running = True
        self.threads = [threading.Thread(target=self._place) for _ in range(threads)]

    def _place(self) -> None:
        while self.running:
            self.answers.append(post(self.url, self.token, self.body))

    def __enter__(self) -> Orders:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.running = False
        for thread in self.threads:
            thread.join()

    def accepted(self) -> set[str]:
        return {a.body["commandId"] for a in self.answers if a.status == 202}

    def failed(self) -> list[Answer]:
        return [a for a in self.answers if a.status != 202]


@pytest.fixture
def serve(start_server: Callable[..., Server]) -> Iterator[Callable[..., Shop]]:  # noqa: F811
    """Start granian as `make run` does (against `database_url`, else the test
    database), with a customer and a product on sale; leave nothing pending after."""

    def start(database_url: str | None = None) -> Shop:
        env = {"DATABASE_URL": database_url} if database_url else {}
        server = start_server(command=http_server, env=env)
        customer = User.objects.create_user(f"customer-{uuid.uuid4().hex[:10]}")
        staff = User.objects.create_user(f"staff-{uuid.uuid4().hex[:10]}", is_staff=True)
        staff = with_every_right(staff)
        product = {"vendorId": str(uuid.uuid4()), "name": "Kettle", "price": "30.00"}
        created = post(f"{server.url}/api/products", issue(staff).key, product)
        assert created.status == 202, created
        Executor().run()
        Runner(registry.named("sales.products")).catch_up()
        return Shop(server, customer, issue(customer).key, created.body["productId"])

    yield start
    settle()  # the orders placed, all the way through: later tests find no backlog


def settle() -> None:
    """Every command due executed and every subscriber caught up, until nothing due is
    left (receptors submit more commands as they go; payment deadlines wait)."""
    while True:
        Executor().run()
        for subscriber in registry.all():
            Runner(subscriber).catch_up()
        if not Command.objects.filter(status="pending", not_before__lte=Now()).exists():
            return


def end_server_connections() -> int:
    """What a restart does to the servers' connections: every other backend of the
    test database ends. Returns once each is gone."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, 5000))"
            " FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
        )
        return cursor.fetchone()[0]


def assert_unavailable(answer: Answer) -> None:
    assert (answer.status, answer.body["type"]) == (503, UNAVAILABLE), answer
    assert answer.headers["Content-Type"] == "application/problem+json", answer
    assert answer.headers["Retry-After"] == "5", answer


def assert_stored_as_answered(shop: Shop, orders: Orders) -> None:
    """Every 202 stored; beyond them, at most the writes whose outcome was unknown."""
    stored, accepted = shop.stored(), orders.accepted()
    unknown = [a for a in orders.failed() if "may or may not" in a.body["detail"]]
    assert accepted <= stored
    assert len(stored - accepted) <= len(unknown)


def test_after_postgres_restarts_between_requests_no_request_fails(
    serve: Callable[..., Shop],
) -> None:
    """The pools hold connections that all died at once; each is checked as it is
    handed out, so no request gets a dead one, nor waits for the pool to find a live
    one. One client alone meets the most dead connections in turn."""
    shop = serve()
    with shop.orders(threads=8):
        time.sleep(1.5)  # the pools grow to several connections each
    assert end_server_connections() >= 2

    with shop.orders(threads=1) as alone:
        time.sleep(4)
    with shop.orders(threads=4) as together:
        time.sleep(2)

    for orders in (alone, together):
        assert orders.failed() == []
        assert orders.accepted() <= shop.stored()
    assert max(a.ended - a.started for a in alone.answers) < 1


def test_when_postgres_restarts_mid_load_only_requests_then_in_flight_fail(
    serve: Callable[..., Shop],
) -> None:
    """A request holding a connection when Postgres ends it cannot finish: it is a 503
    problem, and a write says whether it may have been stored. Every request that
    starts after the restart succeeds."""
    shop = serve()
    with shop.orders(threads=8) as orders:
        time.sleep(1.5)
        ended = end_server_connections()
        restarted = time.monotonic()
        time.sleep(3)

    for answer in orders.failed():
        assert_unavailable(answer)
        assert answer.started < restarted
    assert len(orders.failed()) <= ended
    assert sum(1 for a in orders.answers if a.started > restarted) > 50
    assert_stored_as_answered(shop, orders)


def test_while_postgres_is_down_every_failure_is_a_503_problem_and_none_after(
    serve: Callable[..., Shop],
) -> None:
    """Down for longer than a request waits for a connection (SHOP_DB_POOL_TIMEOUT, 5 s),
    so requests fail during it; and long enough that a pool whose reconnects back off
    (1 s, 2 s, 4 s, ... apart) would keep failing for seconds after Postgres is back."""
    db = connection.settings_dict
    proxy = OutageProxy(db["HOST"], int(db["PORT"]))
    proxy.up()
    try:
        shop = serve(processes.test_database_url().replace(f":{db['PORT']}/", f":{proxy.port}/"))
        with shop.orders(threads=2) as orders:
            time.sleep(1)
            proxy.down()
            time.sleep(20)
            proxy.up()
            back = time.monotonic()
            time.sleep(8)
    finally:
        proxy.down()

    assert len(orders.failed()) >= 2
    for answer in orders.failed():
        assert_unavailable(answer)
        assert answer.started < back, f"failed {answer.started - back:.1f}s after the outage"
    assert sum(1 for a in orders.answers if a.started > back) > 20
    assert_stored_as_answered(shop, orders)
