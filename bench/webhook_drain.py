"""The webhook throughput figure's two sides: the relay draining a backlog, and a bare
httpx loop posting the same signed bodies to the same receiver.

The backlog is real orders (`LINES` lines each, so `order.placed`, an `item.purchased`
per line and `invoice.issued`: `DELIVERIES_PER_ORDER` deliveries), submitted in one
transaction while the endpoint is disabled: the fan-out writes what the endpoint is
owed and the relay sends nothing. Once the pipeline is quiet the endpoint is enabled,
as staff would (`endpoints.change`, which wakes its relay), and the receiver's arrivals
say how fast the backlog went out: distinct deliveries over the time from the first
arrival to the last.

The bare loop is what posting those bodies costs with nothing else: on one event loop,
`relay.ORDERS_AT_ONCE` tasks at once (the relay's concurrency per endpoint), each taking
the next order and posting its deliveries in turn, as the sink does, over keep-alive
connections; bodies and signed headers are built before the clock starts. It runs in
two shapes: a `httpx.AsyncClient` of one connection per task, as the sink's lanes, and
one client of as many connections, the plainest loop (whose pool scans every
connection on every request). Its figure is taken from the same receiver's arrivals,
the same way.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from itertools import groupby

import httpx
from django.db import transaction
from django.utils import timezone

from bench.cpu import Meter, Usage, postmaster
from bench.databases import nproc
from bench.latency import ACTOR, ADDRESS
from bench.process import wait_quiet
from bench.stack import Stack
from bench.webhook_receiver import Receiver
from contexts.integrations import endpoints, relay, signing, sinks
from contexts.integrations.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from contexts.sales import domain as sales
from eventstore.inbox import submit

LINES = 2
DELIVERIES_PER_ORDER = LINES + 2
SLOWEST = 50  # deliveries/s: a drain slower than this over its whole backlog fails
STALL_SECONDS = 60
POLL_SECONDS = 0.1

Post = tuple[bytes, dict[str, str]]
"""A body and its signed headers."""


@dataclass(frozen=True)
class Drained:
    """Deliveries that arrived, from the first arrival to the last, and what else the
    run showed: requests sent twice, CPU from the enabling until every delivery was
    recorded."""

    deliveries: int
    span: float
    duplicates: int = 0
    usage: Usage | None = None
    first_after: float = 0.0
    """Seconds from the endpoint's enabling to the first arrival."""

    @property
    def rate(self) -> float:
        return self.deliveries / self.span

    def cpu(self) -> str:
        """CPU per delivery over the drain, when it was metered."""
        if self.usage is None:
            return ""
        usage, per = self.usage, 1000 / self.deliveries
        postgres = "" if usage.postgres is None else f", Postgres {usage.postgres * per:.2f} ms"
        busy = usage.machine / (usage.at * nproc())
        return (
            f"; CPU per delivery: relay worker {usage.workers * per:.2f} ms{postgres};"
            f" machine {busy:.0%} busy of {nproc()} cores"
        )


def wait_until(check: Callable[[], bool], seconds: float, stack: Stack, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what}: not so after {seconds:.0f} s\n{stack.logs()}")
        stack.check_running()
        time.sleep(POLL_SECONDS)


def pending(endpoint: WebhookEndpoint) -> int:
    return WebhookDelivery.objects.filter(endpoint=endpoint, status=DeliveryStatus.PENDING).count()


def fill_backlog(stack: Stack, endpoint: WebhookEndpoint, products: list[uuid.UUID], orders: int):
    """`orders` orders in one transaction, the endpoint disabled; once the fan-out has
    written their deliveries and the store is quiet, their order ids."""
    endpoints.change(WebhookEndpoint.objects.get(pk=endpoint.pk), enabled=False)
    owed = pending(endpoint) + orders * DELIVERIES_PER_ORDER
    lines = tuple(sales.RequestedLine(product, 1) for product in products[:LINES])
    placed = [uuid.uuid4() for _ in range(orders)]
    customer = uuid.uuid4()
    with transaction.atomic():
        for order_id in placed:
            submit(sales.PlaceOrder(order_id, customer, lines, ADDRESS, timezone.now()),
                   actor=ACTOR)  # fmt: skip
    seconds = STALL_SECONDS + orders * DELIVERIES_PER_ORDER / SLOWEST
    wait_until(lambda: pending(endpoint) >= owed, seconds, stack, "the backlog written")
    wait_quiet(stack)
    return placed


def drain(stack: Stack, receiver: Receiver, endpoint: WebhookEndpoint) -> Drained:
    """Enable the endpoint and time its backlog out to the receiver."""
    owed, since = pending(endpoint), receiver.count()
    meter = Meter([stack.relay.pid], postmaster())
    enabled = meter.read()
    endpoints.change(WebhookEndpoint.objects.get(pk=endpoint.pk), enabled=True)
    seconds = STALL_SECONDS + owed / SLOWEST
    wait_until(lambda: pending(endpoint) == 0, seconds, stack, "the backlog delivered")
    usage = meter.read() - enabled
    arrivals = receiver.arrivals(since)
    times = [at for _, at in arrivals]
    distinct = len({message_id for message_id, _ in arrivals})
    if distinct < owed:
        raise RuntimeError(f"{distinct:,} of {owed:,} deliveries arrived\n{stack.logs()}")
    first, last = min(times), max(times)
    return Drained(distinct, last - first, len(arrivals) - distinct, usage, first - enabled.at)


def signed_runs(endpoint: WebhookEndpoint, orders: list[uuid.UUID]) -> list[list[Post]]:
    """The orders' deliveries to the endpoint, each order's in turn, signed as the sink
    signs them."""
    rows = WebhookDelivery.objects.filter(endpoint=endpoint, ordering_key__in=orders)
    rows = rows.order_by("ordering_key", "position", "index")
    runs = []
    for _, run in groupby(rows.values_list("ordering_key", "id", "body"), key=lambda r: r[0]):
        posts = []
        for _, delivery_id, body in run:
            data = body.encode()
            headers = {"content-type": "application/json", "user-agent": sinks.USER_AGENT,
                       **signing.headers([endpoint.secret], f"msg_{delivery_id.hex}",
                                         int(time.time()), data)}  # fmt: skip
            posts.append((data, headers))
        runs.append(posts)
    return runs


def post_directly(receiver: Receiver, runs: list[list[Post]], clients: int) -> Drained:
    """The bare loop's run over `clients` clients (1, or one per task): every post, then
    its figure from the receiver's arrivals."""
    since = receiver.count()
    asyncio.run(_post(receiver.url, runs, relay.ORDERS_AT_ONCE, clients))
    times = [at for _, at in receiver.arrivals(since)]
    return Drained(len(times), max(times) - min(times))


async def _post(url: str, runs: list[list[Post]], concurrency: int, clients: int) -> None:
    limits = httpx.Limits(max_connections=concurrency // clients)
    timeout = httpx.Timeout(sinks.REQUEST_SECONDS, connect=sinks.CONNECT_SECONDS)
    pool = [httpx.AsyncClient(limits=limits, timeout=timeout, trust_env=False)
            for _ in range(clients)]  # fmt: skip
    queue = iter(runs)

    async def sender(client: httpx.AsyncClient) -> None:
        for run in queue:  # shared: each task takes the next order
            for body, headers in run:
                response = await client.post(url, content=body, headers=headers)
                response.raise_for_status()

    try:
        await asyncio.gather(*(sender(pool[n % clients]) for n in range(concurrency)))
    finally:
        for client in pool:
            await client.aclose()
