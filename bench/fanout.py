"""The live feed under fan-out: a thousand customers' sockets, each on its own orders, and
a few staff boards on every order, while orders flow at a steady rate.

Through the stack `make run` deploys (`bench.stack.running_stack` with beat: one uvicorn
process serving `shop.asgi`, one `celery worker --concurrency 2`, beat). The benchmark
process enrols `customers` users, each with an API token, and `boards` staff users of the
support group (who see every order), and opens one `/ws/order-events` socket for each
from `bench.feed_clients` processes (asyncio, off this process: see there). It places
`rate` orders/s for `seconds` as `bench.sustained` does (`eventstore.inbox.submit` of
`sales.PlaceOrder` from four threads), the customers taking turns, and the real pipeline
does the rest: each order is placed, invoiced and recorded as invoiced, and the orders
baker pushes each step to the staff group and to the order's customer's group.

Counted are each order's `sales.OrderPlaced` and `sales.OrderInvoiced` pushes
(`bench.fanout_tally`): every staff board expects both for every order, a customer's
socket both for each of its own orders and nothing else. Every message, counted or not,
is checked against its socket's chain (`previous`). Latency is from just before the
order's submit to the arrival, on the one monotonic clock every process shares; a push
that never came counts as infinitely late and is named.

Memory: the uvicorn process's resident set, sampled every `RSS_EVERY` s from before the
sockets open to the end, and its high-water mark (VmHWM) at the end.

Baseline, in the same run, on the same sockets and server: the same pushes without the
pipeline. The benchmark process `group_send`s each order's feed rows (copies of a real
order's, under new order ids and positions, linked as the baker links them) straight to
the staff group and to the customer's group, one `feed.batch` per group per order, at
the same rate over the same customers, from one event loop. What is left between send
and arrival is the channel layer, the consumer, the server and the client: what the
fan-out costs before any command runs. A push the layer drops is lost for good here,
as no table holds it, where Shop's sockets refill from the feed table: the baseline's
missing pushes are the layer's drops. It goes after Shop's run, once Shop's pushes have
arrived: its positions continue above the feed's head, and a socket drops any row at or
below the last position it sent.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Sized
from dataclasses import dataclass
from pathlib import Path

from channels.layers import get_channel_layer
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.db.models import Max

from bench.fanout_report import Run, figures
from bench.fanout_tally import COUNTED, CUSTOMER, INVOICED, STAFF, Audience, Phase
from bench.feed_clients import FeedClients, feed_clients
from bench.latency import (
    ARRIVAL_SECONDS,
    WARM_ORDERS,
    WARM_RATE,
    create_products,
    feed_head,
    place_orders,
    staff_token,
)
from bench.memory import MemoryWatch
from bench.report import Figure
from bench.stack import Stack, purge_wakeups, running_stack
from bench.sustained import Load, place_at_rate
from contexts.sales.feed import STAFF_GROUP, customer_group
from contexts.sales.models import OrderFeedEntry
from eventstore.feed_batches import BATCH_TYPE, entry
from shop.customers import customer_id_for
from shop.tokens.keys import issue

CLIENT_PROCESSES = 2
OPEN_SECONDS = 300


def enrol(customers: int, boards: int) -> Audience:
    """New customers (users with a token each) and staff boards (support staff)."""
    tag = uuid.uuid4().hex[:8]
    users = User.objects.bulk_create(
        User(username=f"bench-customer-{tag}-{n}", password=make_password(None))
        for n in range(customers)
    )
    return Audience(
        boards={f"{STAFF}-{n}": staff_token() for n in range(boards)},
        customers={f"{CUSTOMER}-{n}": (issue(user).key, customer_id_for(user))
                   for n, user in enumerate(users)},
    )  # fmt: skip


def socket_spec(stack: Stack, audience: Audience) -> dict:
    """What the client processes open: each board from the feed's head, each customer's
    socket from 0 (a new customer's feed is empty)."""
    head = feed_head()
    boards = [{"name": name, "token": token, "after": head}
              for name, token in audience.boards.items()]  # fmt: skip
    customers = [{"name": name, "token": token, "after": 0}
                 for name, (token, _) in audience.customers.items()]  # fmt: skip
    return {
        "url": f"ws://127.0.0.1:{stack.port}/ws/order-events",
        "origin": stack.origin,
        "counted": list(COUNTED),
        "sockets": boards + customers,
    }


def fanout_figures(
    customers: int, boards: int, rate: float, seconds: float, log_dir: Path,
    warm: int = WARM_ORDERS,
) -> list[Figure]:  # fmt: skip
    """Open the sockets, warm the stack, hold `rate` orders/s for `seconds` and wait for
    every push; then the baseline's pushes; the two push figures and the memory figure."""
    monotonic_clocks()
    purge_wakeups()
    audience = enrol(customers, boards)
    with running_stack(log_dir, beat=True) as stack:
        products = create_products(stack)
        memory = MemoryWatch(stack.processes[0].pid)  # uvicorn, started first
        memory.start()
        try:
            with feed_clients(socket_spec(stack, audience), CLIENT_PROCESSES) as clients:
                opened = clients.wait_open(OPEN_SECONDS, stack.check_running)
                memory.mark("open")
                watching = Watching(stack, clients, audience)
                watching.warm(products, warm)
                memory.mark("load")
                load, shop = watching.place(products, rate, seconds)
                memory.mark("baseline")
                direct = watching.push_directly(load, rate)
                memory.mark("closing")
                report = clients.stop()
        finally:
            watched = memory.stop()
    return figures(Run(audience, shop, direct, load, report, watched, opened), rate)


@dataclass(frozen=True)
class Watching:
    """The stack, with every socket open: each phase, and its wait for the pushes."""

    stack: Stack
    clients: FeedClients
    audience: Audience

    def _wait(self, total: int) -> bool:
        return self.clients.wait_counted(total, ARRIVAL_SECONDS, self.stack.check_running)

    def _pushes(self, orders: Sized) -> int:
        """The counted pushes of these orders: each to every board and to its customer."""
        return (len(self.audience.boards) + 1) * len(orders) * len(COUNTED)

    def warm(self, products: list[uuid.UUID], count: int) -> None:
        """A few orders of nobody watching, which only the boards see."""
        warmed = place_orders(products, count, WARM_RATE)
        if not self._wait(len(self.audience.boards) * len(warmed) * len(COUNTED)):
            raise RuntimeError(f"the warm orders never reached the sockets:\n{self.stack.logs()}")

    def place(self, products: list[uuid.UUID], rate: float, seconds: float) -> tuple[Load, Phase]:
        """Shop's run: the orders, the customers taking turns, and their pushes."""
        counted = self.clients.counted
        load = place_at_rate(products, rate, seconds, self.audience.customer_ids)
        self._wait(counted + self._pushes(load.submitted))
        owners = self.audience.owners(load.customers)
        return load, Phase(load.submitted, owners, time.perf_counter())

    def push_directly(self, load: Load, rate: float) -> Phase:
        """The baseline's run, once whatever of Shop's pushes was coming has come."""
        counted = self.clients.counted
        sent, owners = send_directly(load, self.audience, rate)
        self._wait(counted + self._pushes(sent))
        return Phase(sent, owners, time.perf_counter())


def monotonic_clocks() -> None:
    """The client processes note arrivals with `time.perf_counter()`, and this one
    submits by it: comparable only when it is the machine's CLOCK_MONOTONIC, as on Linux."""
    clock = time.get_clock_info("perf_counter").implementation
    if "CLOCK_MONOTONIC" not in clock:
        raise RuntimeError(f"perf_counter is {clock}: no clock shared between processes")


def send_directly(
    load: Load, audience: Audience, rate: float
) -> tuple[dict[str, float], dict[str, str]]:
    """The same orders again as pushes alone: each order's feed rows, `group_send` to
    the staff group and to the customer's group at `rate`, from one event loop. Returns
    when each fake order was sent, and whose socket it is for."""
    template = templates(load)
    heads = dict(
        OrderFeedEntry.objects.filter(customer_id__in=set(load.customers.values()))
        .values("customer_id").annotate(head=Max("position")).values_list("customer_id", "head")
    )  # fmt: skip
    orders = {str(uuid.uuid4()): customer for customer in load.customers.values()}
    sent = asyncio.run(_send(list(orders.items()), template, feed_head(), heads, rate))
    return sent, audience.owners(orders)


def templates(load: Load) -> list[dict]:
    """The feed messages of one of the run's invoiced orders, in position order."""
    rows = OrderFeedEntry.objects.filter(order_id__in=list(load.submitted))
    invoiced = rows.filter(message__event=INVOICED).values_list("order_id", flat=True).first()
    if invoiced is None:
        raise RuntimeError("no order of the run reached invoiced: no feed rows to copy")
    rows = rows.filter(order_id=invoiced).order_by("position")
    return list(rows.values_list("message", flat=True))


async def _send(
    orders: list[tuple[str, uuid.UUID]], template: list[dict], head: int,
    heads: dict[uuid.UUID, int], rate: float,
) -> dict[str, float]:  # fmt: skip
    layer = get_channel_layer()
    sent: dict[str, float] = {}
    staff_previous, position = head, head
    start = time.perf_counter()
    for n, (order, customer) in enumerate(orders):
        if (delay := start + n / rate - time.perf_counter()) > 0:
            await asyncio.sleep(delay)
        staff, own = [], []
        for message in template:
            position += 1
            copy = {**message, "position": position, "orderId": order,
                    "order": {**message["order"], "orderId": order}}  # fmt: skip
            staff.append(entry(copy, staff_previous))
            own.append(entry(copy, heads.get(customer)))
            staff_previous = heads[customer] = position
        sent[order] = time.perf_counter()
        await layer.group_send(STAFF_GROUP, {"type": BATCH_TYPE, "entries": staff})
        await layer.group_send(customer_group(customer), {"type": BATCH_TYPE, "entries": own})
    return sent  # the layer lets go of its connections as `asyncio.run` closes the loop
