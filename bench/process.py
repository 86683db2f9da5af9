"""Orders through the whole ordering process from a backlog, as a flash sale leaves it.

In the fresh store: a catalog (`bench.api.catalog_and_order`) and `CUSTOMERS` customers.
One Celery worker node starts as `make run` starts its worker, with beat (the sweeper),
and warms up on a few orders until the store is quiet. The benchmark process then
submits the backlog, `sales.PlaceOrder` commands through `eventstore.inbox.submit` as the
API does, in one transaction, so the whole backlog appears at once when it commits. The
time runs from that commit until every one of those orders reads `invoiced` in
`sales_ordersummary`: placed, invoiced by invoicing's receptor, the invoice recorded on
the order by sales', each step a command, its events and the bakers behind them. A run
that stops making progress fails, saying where the store stands.

The CPU time of the worker nodes and of the Postgres server over that span
(`bench.cpu`) says where the time went. The baseline is raw batched INSERTs of the rows
the run wrote (`bench.written`). Then a second node joins the first and a second backlog
of the same size runs: 2 nodes against 1, reported.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth.models import User
from django.db import connection, transaction
from django.utils import timezone

from bench.api import catalog_and_order
from bench.cpu import Meter, Usage, postmaster
from bench.databases import nproc, raw_connect
from bench.latency import ADDRESS
from bench.report import Figure, Limit, Measure
from bench.stack import WORKER_CONCURRENCY, Processes, Workers, purge_wakeups, running_workers
from bench.written import BATCH, breakdown, insert_same_rows, snapshot, written
from contexts.sales import domain as sales
from contexts.sales.models import OrderSummary
from eventstore.inbox import READY, submit
from eventstore.models import Checkpoint, Command
from eventstore.subscribers import lag
from shop.customers import customer_id_for

GOAL = 500  # orders/s (issue 13)
CUSTOMERS = 100
WARM_ORDERS = 20
POLL_SECONDS = 0.1
STALL_SECONDS = 60
"""No event appended and no checkpoint moved for this long: the run has stopped."""
SLOWEST = 20  # orders/s: a run slower than this over its whole backlog fails
QUIET_SECONDS = 300

Order = tuple[sales.PlaceOrder, str]
"""A command and the actor that submits it (its customer, as the API would)."""


@dataclass(frozen=True)
class Drained:
    """One backlog through the process: its CPU usage from commit to the last order
    invoiced, and the rows it wrote (by transactions from id `since` on)."""

    nodes: int
    orders: int
    usage: Usage
    rows: dict[str, int]
    since: int

    @property
    def rate(self) -> float:
        return self.orders / self.usage.at


def customers(count: int) -> list[User]:
    tag = uuid.uuid4().hex[:8]
    return User.objects.bulk_create(User(username=f"bench-buyer-{tag}-{n}") for n in range(count))


def new_orders(products: list[uuid.UUID], buyers: list[User], count: int) -> list[Order]:
    """`count` orders of one of each product, the buyers taking turns."""
    lines = tuple(sales.RequestedLine(product, 1) for product in products)
    orders = []
    for n in range(count):
        buyer = buyers[n % len(buyers)]
        place = sales.PlaceOrder(
            uuid.uuid4(), customer_id_for(buyer), lines, ADDRESS, timezone.now()
        )
        orders.append((place, f"customer:{buyer.pk}"))
    return orders


def submit_backlog(orders: list[Order], meter: Meter) -> Usage:
    """Submit every order in one transaction; return the usage read as it commits."""
    committed: list[Usage] = []
    with transaction.atomic():
        transaction.on_commit(lambda: committed.append(meter.read()))  # before the wake-ups
        for place, actor in orders:
            submit(place, actor=actor)
    return committed[0]


def invoiced(orders: list[Order]) -> int:
    """How many of `orders` read invoiced: one index range (their placement times)."""
    first, last = orders[0][0].placed_at, orders[-1][0].placed_at
    return OrderSummary.objects.filter(
        status=sales.OrderStatus.INVOICED, placed_at__range=(first, last)
    ).count()


def where_it_stands() -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT status, count(*) FROM eventstore_command"
            " WHERE status <> %s AND not_before <= now() GROUP BY status",
            [Command.Status.DONE],
        )
        commands = dict(cursor.fetchall())
        cursor.execute(
            "SELECT name, error FROM eventstore_checkpoint WHERE status = %s",
            [Checkpoint.Status.FAILED],
        )
        failed = cursor.fetchall()
    behind = {name: events for name, events in lag().items() if events}
    return (
        f"commands due and not done: {commands or 'none'}; subscribers behind:"
        f" {behind or 'none'}; failed subscribers: {failed or 'none'}"
    )


def moved() -> tuple[int, int]:
    """The store's head and the sum of every checkpoint: while either grows, work is
    being done, even before the first order reads invoiced (each baker takes its events
    in order, so the first invoices wait behind every placement)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT coalesce(max(position), 0) FROM eventstore_event),"
            " (SELECT coalesce(sum(position), 0) FROM eventstore_checkpoint)"
        )
        return cursor.fetchone()


def wait_invoiced(workers: Workers, orders: list[Order]) -> None:
    started = progressed = time.monotonic()
    deadline = started + STALL_SECONDS + len(orders) / SLOWEST
    seen = moved()
    while (count := invoiced(orders)) < len(orders):
        now = time.monotonic()
        if (store := moved()) != seen:
            seen, progressed = store, now
        if now - progressed > STALL_SECONDS or now > deadline:
            raise RuntimeError(
                f"{len(orders) - count:,} of {len(orders):,} orders not invoiced"
                f" {now - started:.0f} s after commit, the store still for"
                f" {now - progressed:.0f} s; {where_it_stands()}\n{workers.logs()}"
            )
        workers.check_running()
        time.sleep(POLL_SECONDS)


def check_invoiced(orders: list[Order]) -> None:
    """Every one of `orders` reads invoiced: the range that was counted held only them."""
    ids = [place.order_id for place, _ in orders]
    ours = OrderSummary.objects.filter(pk__in=ids, status=sales.OrderStatus.INVOICED).count()
    if ours != len(orders):
        raise RuntimeError(f"{ours:,} of {len(orders):,} orders invoiced, not all of them")


def wait_quiet(workers: Processes) -> None:
    """Until no command is due and every subscriber is at the head."""
    deadline = time.monotonic() + QUIET_SECONDS
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT EXISTS (SELECT 1 FROM eventstore_command WHERE {READY})")
            due = cursor.fetchone()[0]
        if not due and not any(lag().values()):
            return
        workers.check_running()
        time.sleep(POLL_SECONDS)
    raise RuntimeError(f"not quiet after {QUIET_SECONDS} s: {where_it_stands()}")


def drain(
    workers: Workers, products: list[uuid.UUID], buyers: list[User], backlog: int, warm: int
) -> Drained:
    """Warm the nodes up, then time one backlog from its commit to the last invoice."""
    warming = new_orders(products, buyers, warm)
    for place, actor in warming:  # one by one, as API requests come
        submit(place, actor=actor)
    wait_invoiced(workers, warming)
    wait_quiet(workers)
    with raw_connect() as raw:
        before = snapshot(raw)
    orders = new_orders(products, buyers, backlog)
    meter = Meter(workers.groups, postmaster())
    committed = submit_backlog(orders, meter)
    wait_invoiced(workers, orders)
    usage = meter.read() - committed
    check_invoiced(orders)
    wait_quiet(workers)
    with raw_connect() as raw:
        rows = written(raw, before)
    return Drained(len(workers.nodes), backlog, usage, rows, before.xid)


def process_figures(backlog: int, log_dir: Path, warm: int = WARM_ORDERS) -> list[Figure]:
    """The backlog on 1 node beside raw inserts of its rows; then on 2 nodes beside 1."""
    buyers = customers(CUSTOMERS)
    products, _ = catalog_and_order(buyers[0])
    purge_wakeups()
    with running_workers(log_dir) as workers:
        one = drain(workers, products, buyers, backlog, warm)
        workers.start_node()
        two = drain(workers, products, buyers, backlog, warm)
    with raw_connect() as raw:
        seconds = insert_same_rows(raw, one.rows, one.since)
    return [process_figure(one, seconds), nodes_figure(one, two)]


def usage_detail(run: Drained) -> str:
    usage, cores = run.usage, nproc()
    per_order = 1000 / run.orders
    cpu = f"worker {usage.workers * per_order:.2f} ms"
    if usage.postgres is not None:
        cpu += f", Postgres {usage.postgres * per_order:.2f} ms"
    return (
        f"{run.orders:,} invoiced {usage.at:.1f} s after commit; CPU per order: {cpu};"
        f" machine {usage.machine / (usage.at * cores):.0%} busy of {cores} cores"
    )


def process_figure(run: Drained, raw_seconds: float) -> Figure:
    rows = sum(run.rows.values())
    baseline = Measure(
        run.orders / raw_seconds,
        "orders/s",
        f"{rows:,} rows, {rows / run.orders:.1f} per order ({breakdown(run.rows, run.orders)});"
        f" {rows / raw_seconds:,.0f} rows/s",
    )
    budget = f"{nproc()} cores allow {1000 * nproc() / GOAL:.1f} ms per order at {GOAL}/s"
    return Figure(
        f"orders through the whole process (202 -> invoiced), backlog of {run.orders:,},"
        f" 1 worker node (concurrency {WORKER_CONCURRENCY}) and beat",
        Measure(run.rate, "orders/s", f"{usage_detail(run)}; {budget}"),
        f"raw batched INSERTs of the same rows, {BATCH} per INSERT and transaction",
        baseline,
        limits=(Limit("", run.rate, GOAL, "orders/s"),),
    )


def nodes_figure(one: Drained, two: Drained) -> Figure:
    return Figure(
        f"the same, a second backlog of {two.orders:,} on 2 worker nodes",
        Measure(two.rate, "orders/s", usage_detail(two)),
        "1 worker node, same run",
        Measure(one.rate, "orders/s"),
    )


def process_notes(backlog: int) -> list[str]:
    """How the process figures are taken, for the docs section."""
    return [
        f"Ordering process (issue 13): in the fresh store, a catalog of 3 products and "
        f"{CUSTOMERS} customers; `celery -A shop worker --concurrency {WORKER_CONCURRENCY}` "
        "(`make run`'s worker, named so that two can run side by side) and `celery beat` "
        "(the sweeper, every SHOP_SWEEP_SECONDS) start as subprocesses with the bench "
        f"settings; {WARM_ORDERS} orders submitted one by one warm them up, then the store "
        f"is left to go quiet. {backlog:,} `sales.PlaceOrder` commands (3 lines each, the "
        "customers taking turns) go in through `eventstore.inbox.submit`, as the API "
        "submits them, in one transaction. Time runs from its commit until every one of "
        "those orders reads `invoiced` in `sales_ordersummary` (a count polled every "
        f"{POLL_SECONDS} s); orders/s = backlog / that time. No event appended and no "
        f"checkpoint moved for {STALL_SECONDS} s, or under {SLOWEST} orders/s over the whole "
        "backlog, fails the run. CPU per order, over the same span, from /proc (utime, "
        "stime and reaped children's): the worker nodes' process groups, and the Postgres "
        "server's postmaster and its children. The machine's busy share counts every process on "
        f"it. Goal: >= {GOAL} orders/s with 1 node.",
        "Ordering process baseline: the tables of eventstore, sales, invoicing, shipping "
        "and cart are counted before the backlog and once the store is quiet after it; "
        "their growth is the rows the process wrote. The same rows (read back as text "
        "from those the run's transactions wrote) go by plain psycopg into scratch tables "
        f"made `LIKE` each table `INCLUDING ALL`, {BATCH} rows per `INSERT ... SELECT FROM "
        "unnest(...)` and one transaction each, timed per transaction; orders/s = backlog "
        "/ that time. Inserts only: the process's updates (commands marked done, an "
        "order's status, checkpoints) have no counterpart in it.",
        "2 nodes: a second worker node joins the first (both stay up, beat too), warms up "
        "the same way, and a second backlog of the same size runs; reported beside the "
        "1-node figure, no goal.",
    ]
