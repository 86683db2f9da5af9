"""Orders at a flash sale's pace, held for a minute: submit -> the order's
`sales.OrderInvoiced` message on a staff websocket, the backlog, and the subscribers' lag.

Through the real stack, as `bench.latency`, but with `make run`'s processes: uvicorn,
one `celery worker --concurrency 2` and beat (the sweeper). The benchmark process
submits `sales.PlaceOrder` with `eventstore.inbox.submit` at a fixed rate, dealing one
schedule over `SUBMITTERS` threads, each with its own connection, so that a slow submit
delays only its own thread's next. Each order then takes three commands before it is
invoiced (the placement, invoicing's `IssueInvoice`, sales' recording of the invoice),
with a receptor between each two and the orders baker behind each: the figure times
from just before an order's submit to the arrival of its `sales.OrderInvoiced` message.

Meanwhile `bench.watch` samples the ready commands once a second, for the backlog, and
every subscriber's lag four times a second, until the last message has arrived.
"""

from __future__ import annotations

import math
import statistics
import time
import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connection
from django.utils import timezone

from bench.cpu import Meter, Usage, postmaster
from bench.databases import nproc
from bench.latency import (
    ACTOR,
    ADDRESS,
    ARRIVAL_SECONDS,
    PLACED,
    WARM_ORDERS,
    WARM_RATE,
    FeedClient,
    create_products,
    feed_head,
    place_orders,
    staff_token,
)
from bench.report import Figure, Limit, Measure
from bench.stack import purge_wakeups, running_stack
from bench.timing import Samples
from bench.watch import LAG_EVERY, StoreWatch, Watched
from contexts.sales import domain as sales
from eventstore.inbox import submit

INVOICED = "sales.OrderInvoiced"
P99_MS = 250
LAG_SECONDS = 1.0
SUBMITTERS = 4
WINDOW_SECONDS = 10
"""The backlog is compared between the run's first and last this many seconds (a third
of the run each when it is shorter than 30 s)."""


@dataclass(frozen=True)
class Load:
    """The orders submitted: each one's submit time, and how well the schedule held."""

    submitted: dict[str, float]
    start: float
    behind: float
    """The most any submit started after its scheduled time, in seconds."""
    customers: dict[str, uuid.UUID] = field(default_factory=dict)
    """Whose each order is."""

    @property
    def span(self) -> float:
        return max(self.submitted.values()) - self.start

    @property
    def achieved(self) -> float:
        """Orders/s from the first submit to the last."""
        return (len(self.submitted) - 1) / self.span if self.span else 0.0

    @property
    def window(self) -> float:
        return min(WINDOW_SECONDS, self.span / 3)

    def first_window(self) -> tuple[float, float]:
        return self.start, self.start + self.window

    def last_window(self) -> tuple[float, float]:
        end = self.start + self.span
        return end - self.window, end


def submit_share(
    products: list[uuid.UUID], count: int, rate: float, start: float, turn: int,
    customers: Sequence[uuid.UUID] = (),
) -> Load:  # fmt: skip
    """One thread's share of the schedule: orders `turn`, `turn + SUBMITTERS`, ..., each
    at `start + n / rate` or at once when late, order n for `customers[n]` (round
    robin), or all for one new customer. Returns the share as a `Load`: the submit times,
    whose each order is, and how far behind schedule the latest one was."""
    submitted: dict[str, float] = {}
    whose: dict[str, uuid.UUID] = {}
    behind = 0.0
    customers = customers or [uuid.uuid4()]
    try:
        for n in range(turn, count, SUBMITTERS):
            due = start + n / rate
            if (delay := due - time.perf_counter()) > 0:
                time.sleep(delay)
            order_id, customer = uuid.uuid4(), customers[n % len(customers)]
            line = sales.RequestedLine(products[n % len(products)], 1)
            command = sales.PlaceOrder(order_id, customer, (line,), ADDRESS, timezone.now())
            at = submitted[str(order_id)] = time.perf_counter()
            whose[str(order_id)] = customer
            behind = max(behind, at - due)
            submit(command, actor=ACTOR)
    finally:
        connection.close()  # this thread's
    return Load(submitted, start, behind, whose)


def place_at_rate(
    products: list[uuid.UUID], rate: float, seconds: float, customers: Sequence[uuid.UUID] = ()
) -> Load:
    """`rate` x `seconds` orders on one schedule over `SUBMITTERS` threads; `customers`
    take turns placing them (else each thread's orders are one new customer's)."""
    count = max(2, round(rate * seconds))
    start = time.perf_counter() + 0.1  # every thread started
    with ThreadPoolExecutor(SUBMITTERS, thread_name_prefix="bench-submit") as pool:
        shares = list(pool.map(
            lambda turn: submit_share(products, count, rate, start, turn, customers),
            range(SUBMITTERS),
        ))  # fmt: skip
    return Load(
        {order: at for share in shares for order, at in share.submitted.items()},
        start,
        max(share.behind for share in shares),
        {order: whose for share in shares for order, whose in share.customers.items()},
    )


def sustained_figures(
    rate: float, seconds: float, log_dir: Path, warm: int = WARM_ORDERS
) -> list[Figure]:
    """Start the stack with beat, warm it, hold `rate` orders/s for `seconds`, and wait
    for every order's invoiced message; the latency figure, then the lag figure."""
    purge_wakeups()
    with running_stack(log_dir, beat=True) as stack:
        products = create_products(stack)
        client = FeedClient(stack, staff_token(), feed_head(), events=(PLACED, INVOICED))
        client.start()
        client.connected.wait(30)
        try:
            warmed = place_orders(products, warm, WARM_RATE)
            client.wait_for(list(warmed), ARRIVAL_SECONDS, INVOICED)
            reconnections = client.reconnections
            meter = Meter([stack.worker_group], postmaster())
            watch = StoreWatch()
            watch.start()
            try:
                before = meter.read()
                load = place_at_rate(products, rate, seconds)
                client.wait_for(list(load.submitted), ARRIVAL_SECONDS, INVOICED)
                usage = meter.read() - before
            finally:
                watched = watch.stop()
            reconnections = client.reconnections - reconnections
        finally:
            client.stopping.set()
            client.join(5)
    run = Run(load, client.arrivals, watched, usage, reconnections)
    return [invoiced_figure(run, rate, seconds), lag_figure(run, rate)]


@dataclass(frozen=True)
class Run:
    """One sustained run: the orders submitted, when their messages arrived, what the
    watch saw, the CPU used from the first submit to the last arrival, and how often the
    socket resumed."""

    load: Load
    arrivals: dict[str, dict[str, float]]
    watched: Watched
    usage: Usage
    reconnections: int


def latencies(load: Load, arrived: dict[str, float]) -> Samples:
    """Each order's submit -> arrival, infinite when it never came."""
    times = [arrived.get(order, math.inf) - at for order, at in load.submitted.items()]
    return Samples(times, len(times))


def backlog(watched: Watched, load: Load, rate: float) -> tuple[Limit, str]:
    """The rule for "no backlog growth": the mean of the ready-command counts over the
    run's last window may exceed that over its first by at most one second's orders
    (`rate` commands). A store that keeps up holds its backlog level; one that falls
    behind by 1% (2 orders/s, about 6 commands/s at 200/s) adds ~300 in 50 s."""
    first, last = watched.ready_mean(*load.first_window()), watched.ready_mean(*load.last_window())
    end = load.last_window()[1]
    during = [(at - load.start, n) for at, n in watched.ready if load.start <= at <= end]
    slope = statistics.linear_regression(*zip(*during, strict=True)).slope if len(during) > 1 else 0
    peak = max((count for _, count in during), default=0)
    text = (
        f"ready commands: {first:.0f} avg in the first {load.window:.0f} s, {last:.0f} in the"
        f" last, max {peak}, trend {slope:+.1f}/s"
    )
    return Limit("backlog growth", last - first, rate, "commands", at_most=True), text


def invoiced_figure(run: Run, rate: float, seconds: float) -> Figure:
    load, arrivals, watched = run.load, run.arrivals, run.watched
    invoiced, placed = latencies(load, arrivals[INVOICED]), latencies(load, arrivals[PLACED])
    p50, p99 = invoiced.percentile(50) * 1000, invoiced.percentile(99) * 1000
    arrived = sum(1 for latency in invoiced.latencies if latency != math.inf)
    missing = invoiced.events - arrived
    worst = f"max {max(invoiced.latencies) * 1000:.0f} ms" if not missing else (
        f"{missing} not there yet"
    )  # fmt: skip
    growth, backlog_text = backlog(watched, load, rate)
    detail = (
        f"p50 {p50:.0f} ms, {worst}; {arrived}/{invoiced.events} arrived within"
        f" {ARRIVAL_SECONDS} s of the last submit; {load.achieved:.0f} submits/s from"
        f" {SUBMITTERS} threads, at most {load.behind * 1000:.0f} ms behind schedule;"
        f" {backlog_text}; {PLACED} p50 {placed.percentile(50) * 1000:.0f} ms,"
        f" p99 {placed.percentile(99) * 1000:.0f} ms; {cpu_text(run)}"
    )
    if run.reconnections:
        detail += f"; the socket dropped and resumed {run.reconnections} times"
    return Figure(
        f"submit -> websocket {INVOICED} at {rate:g} orders/s for {seconds:g} s",
        Measure(p99, "ms p99", detail),
        "none",
        None,
        limits=(Limit("p99", p99, P99_MS, "ms", at_most=True), growth),
    )


def cpu_text(run: Run) -> str:
    """CPU per order from the first submit to the last arrival, and the machine's share."""
    usage, orders, cores = run.usage, len(run.load.submitted), nproc()
    cpu = f"worker {usage.workers / orders * 1000:.2f} ms"
    if usage.postgres is not None:
        cpu += f", Postgres {usage.postgres / orders * 1000:.2f} ms"
    busy = usage.machine / (usage.at * cores)
    return f"CPU per order: {cpu}; machine {busy:.0%} busy of {cores} cores"


def lag_figure(run: Run, rate: float) -> Figure:
    watched, load = run.watched, run.load
    worst, whose = watched.worst_lag()
    first, last = watched.worst_lag(*load.first_window()), watched.worst_lag(*load.last_window())
    detail = (
        f"p99 {watched.lag_percentile(99):.2f} s, p50 {watched.lag_percentile(50):.2f} s of"
        f" the worst each {LAG_EVERY:g} s over {len(watched.lag)} samples"
        + (f"; the max was {whose}'s" if whose else "")
        + f"; max {first[0]:.2f} s in the first {load.window:.0f} s, {last[0]:.2f} s in the last"
    )
    return Figure(
        f"worst subscriber lag at {rate:g} orders/s (the same run)",
        Measure(worst, "s max", detail),
        "none",
        None,
        limits=(Limit("max", worst, LAG_SECONDS, "s", at_most=True),),
    )
