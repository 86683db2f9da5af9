"""Submit -> websocket message latency, through the real stack, at a steady rate.

The benchmark process submits `PlaceOrder` commands with `eventstore.inbox.submit`, as
the API does, at a fixed rate. A Celery worker (started by `bench.stack`) executes them,
the `sales.orders` baker bakes the order and pushes its feed message after commit, and
uvicorn's `/ws/order-events` consumer forwards it to a staff client, a thread of this
process holding a `websockets` connection with a token and the site's Origin. Latency
is the time from just before `submit` to the arrival of that order's
`sales.OrderPlaced` message, both read from this process's monotonic clock. A message
that never arrives counts as infinitely late.

The rest of the ordering process runs too (the invoice each order causes, and the
order's move to "invoiced"), so the worker carries about three commands and their bakers
per submitted order: the load `make run` would carry.
"""

from __future__ import annotations

import json
import math
import threading
import time
import uuid
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.contrib.auth.models import Group, User
from django.db import connection
from django.db.models import Max
from django.utils import timezone
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from bench.report import Figure, Limit, Measure
from bench.stack import Stack, purge_wakeups, running_stack
from bench.timing import Samples
from contexts.catalog import domain as catalog
from contexts.sales import domain as sales
from contexts.sales.models import OrderFeedEntry
from contexts.shared.values import Address
from eventstore.inbox import PENDING_SQL, submit
from shop.tokens.keys import issue

P50_MS, P99_MS = 25, 100
PLACED = "sales.OrderPlaced"
ACTOR = "user:bench"
ADDRESS = Address("Bench Customer", "1 Benchmark Row", "Benchton", "1234 AB", "NL")
PRODUCTS = 5
WARM_ORDERS = 10
WARM_RATE = 20  # orders/s: enough to open every connection and fill every cache
ARRIVAL_SECONDS = 30  # after the last submit, how long to wait for stragglers
RECONNECT_ATTEMPTS = 5  # in a row, before the client gives up
EXECUTE_SECONDS = 60


class BrokenChain(Exception):
    """A message whose `previous` is not the last position this client saw."""


class FeedClient(threading.Thread):
    """A staff client of /ws/order-events: notes when each order's `events` arrive.

    Like the site's own live page, it resumes: every connection asks for the messages
    after the last position it saw (the feed's head when it starts), and a message whose
    `previous` is not that position (a broken chain, which the server should never send)
    makes it reconnect the same way. So a dropped socket delays messages and never loses
    one. Reconnections, for either cause, are counted: each delays whatever arrives
    meanwhile, and the figure says how many there were.
    """

    def __init__(
        self, stack: Stack, token: str, after: int, events: tuple[str, ...] = (PLACED,)
    ) -> None:
        super().__init__(name="bench-feed", daemon=True)
        self.url = f"ws://127.0.0.1:{stack.port}/ws/order-events"
        self.origin = stack.origin
        self.token = token
        self.position = after
        self.arrivals: dict[str, dict[str, float]] = {event: {} for event in events}
        self.connected = threading.Event()
        self.stopping = threading.Event()
        self.reconnections = 0
        self.error: BaseException | None = None

    def run(self) -> None:
        failures = 0
        while not self.stopping.is_set():
            try:
                self._listen()
                failures = 0
            except (ConnectionClosed, BrokenChain) as closed:
                self.reconnections += 1
                failures += 1
                if failures >= RECONNECT_ATTEMPTS:  # it is not coming back
                    self.error = closed
                    return
            except BaseException as error:  # reported by `wait_for` in the measuring thread
                self.error = error
                self.connected.set()
                return

    def _listen(self) -> None:
        with connect(
            f"{self.url}?after={self.position}", origin=self.origin, proxy=None,
            additional_headers={"Authorization": f"Token {self.token}"},
        ) as socket:  # fmt: skip
            self.connected.set()
            while not self.stopping.is_set():
                try:
                    frame = socket.recv(timeout=0.2)
                except TimeoutError:
                    continue
                at = time.perf_counter()
                message = json.loads(frame)
                if message.get("type") != "order.event":
                    continue  # a heartbeat
                if message.get("previous") != self.position:
                    raise BrokenChain(f"{message['position']} after {message.get('previous')}")
                self.position = message["position"]
                if (arrived := self.arrivals.get(message["event"])) is not None:
                    arrived.setdefault(message["orderId"], at)

    def wait_for(self, order_ids: list[str], timeout: float, event: str = PLACED) -> None:
        arrived = self.arrivals[event]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not all(o in arrived for o in order_ids):
            if self.error:
                raise RuntimeError("the feed client failed") from self.error
            time.sleep(0.05)


def feed_head() -> int:
    """The last position the order feed has baked: where a new client resumes from."""
    return OrderFeedEntry.objects.aggregate(head=Max("position"))["head"] or 0


def staff_token() -> str:
    user = User.objects.create_user(f"bench-staff-{uuid.uuid4().hex[:8]}", is_staff=True)
    user.groups.add(Group.objects.get(name="support"))  # the group that watches every order
    return issue(user).key


def wait_until_done(command_ids: list[uuid.UUID], stack: Stack, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM eventstore_command"
                f" WHERE id = ANY(%s) AND status = {PENDING_SQL}",
                [command_ids],
            )
            if cursor.fetchone()[0] == 0:
                return
        stack.check_running()
        time.sleep(0.1)
    raise RuntimeError(f"commands still pending after {timeout:.0f}s:\n{stack.logs()}")


def create_products(stack: Stack) -> list[uuid.UUID]:
    products = [uuid.uuid4() for _ in range(PRODUCTS)]
    submitted = [
        submit(catalog.CreateProduct(p, uuid.uuid4(), f"bench item {n}", Decimal("9.99")),
               actor=ACTOR).command_id
        for n, p in enumerate(products)
    ]  # fmt: skip
    wait_until_done(submitted, stack, EXECUTE_SECONDS)
    return products


def place_orders(products: list[uuid.UUID], count: int, rate: float) -> dict[str, float]:
    """Submit `count` orders, one every 1/`rate` s on a fixed schedule (a late submit is
    followed at once by the next, so the average rate holds); return their submit times."""
    submitted: dict[str, float] = {}
    customer = uuid.uuid4()
    start = time.perf_counter()
    for n in range(count):
        delay = start + n / rate - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        order_id = uuid.uuid4()
        line = sales.RequestedLine(products[n % len(products)], 1)
        command = sales.PlaceOrder(order_id, customer, (line,), ADDRESS, timezone.now())
        submitted[str(order_id)] = time.perf_counter()
        submit(command, actor=ACTOR)
    return submitted


@dataclass(frozen=True)
class Timed:
    """One timed run: each order's latency (inf if lost), the submit rate it achieved,
    and how often the feed client had to reconnect meanwhile."""

    samples: Samples
    achieved: float
    reconnections: int


def timed_orders(
    client: FeedClient, products: list[uuid.UUID], rate: float, seconds: float
) -> Timed:
    """Place `rate` x `seconds` orders on schedule and wait for their messages."""
    count = max(1, round(rate * seconds))
    reconnections = client.reconnections
    submitted = place_orders(products, count, rate)
    span = max(submitted.values()) - min(submitted.values())
    client.wait_for(list(submitted), ARRIVAL_SECONDS)
    arrived = client.arrivals[PLACED]
    latencies = [arrived.get(order, math.inf) - at for order, at in submitted.items()]
    achieved = count / span if span else rate
    return Timed(Samples(latencies, count), achieved, client.reconnections - reconnections)


def latency_figures(
    calm: tuple[float, float], busy: tuple[float, float], log_dir: Path, warm: int = WARM_ORDERS
) -> list[Figure]:
    """Start the stack, warm it with a few orders, then time two runs of (rate, seconds):
    `calm`, slow enough that nothing queues (context: the pipeline's own latency), then
    `busy`, the rate the goal is set at."""
    purge_wakeups()
    with running_stack(log_dir) as stack:
        products = create_products(stack)
        client = FeedClient(stack, staff_token(), feed_head())
        client.start()
        client.connected.wait(30)
        try:
            warmed = place_orders(products, warm, WARM_RATE)
            client.wait_for(list(warmed), ARRIVAL_SECONDS)
            calm_run = timed_orders(client, products, *calm)
            busy_run = timed_orders(client, products, *busy)
        finally:
            client.stopping.set()
            client.join(5)
    return [
        figure(calm_run, calm[0], goal=False),
        figure(busy_run, busy[0], goal=True),
    ]


def figure(run: Timed, rate: float, goal: bool) -> Figure:
    samples = run.samples
    p50, p99 = samples.percentile(50) * 1000, samples.percentile(99) * 1000
    arrived = sum(1 for latency in samples.latencies if latency != math.inf)
    worst = max(samples.latencies) * 1000
    limits = (Limit("p50", p50, P50_MS, "ms", at_most=True),
              Limit("p99", p99, P99_MS, "ms", at_most=True))  # fmt: skip
    missing = samples.events - arrived
    worst_text = f"max {worst:.1f} ms" if not missing else f"{missing} not there yet"
    detail = (
        f"p99 {p99:.1f} ms, {worst_text}; {arrived}/{samples.events} arrived within"
        f" {ARRIVAL_SECONDS} s of the last submit; {run.achieved:.0f} submits/s"
    )
    if run.reconnections:
        detail += f"; the socket dropped and resumed {run.reconnections} times"
    return Figure(
        f"submit -> websocket message latency at {rate:g} commands/s"
        + ("" if goal else " (context: nothing queues)"),
        Measure(p50, "ms p50", detail),
        "none",
        None,
        limits=limits if goal else (),
    )
