"""The REST API as `make run` serves it: placing and reading orders, and the lists.

Shop and the bare app (`bench.bare_app`) run side by side with the same number of server
processes (`bench.api_servers`); the client (`bench.http_load`) drives one at a time over
16 keep-alive connections, alternating sides round by round, so a neighbour's load falls
on both. Throughput is the median of the rounds' requests/s. Latency is taken
separately, at a steady 200 requests/s, where nothing should queue. Every answer's
status is counted, and any 5xx fails its figure.

The bench customer, its token, the catalog and one order to read are made first, in
this process: the commands executed inline with `Executor().run()` and the sales bakers
caught up with `Runner`, as `seed_demo --wait` does. The orders the POST figure places
stay pending (no worker runs) in the fresh store, which the next run drops.
"""

from __future__ import annotations

import json
import statistics
import uuid
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from django.contrib.auth.models import User
from django.utils import timezone

from bench.api_servers import both_servers
from bench.bare_app import CREATE_TABLE, POOL_SIZE
from bench.databases import raw_connect
from bench.http_load import Request, Result, at_rate, saturate
from bench.report import Figure, Limit, Measure
from bench.stack import purge_wakeups
from contexts.catalog import domain as catalog
from contexts.sales import domain as sales
from contexts.shared.values import Address
from eventstore.executor import Executor
from eventstore.inbox import submit
from eventstore.subscribers import Runner, registry
from shop.customers import customer_id_for
from shop.devstack.servers import web_workers
from shop.tokens.keys import issue

CONNECTIONS = 16
RATE = 200  # requests/s of the latency run
PLACES_PER_SECOND = 800
P99_MS = 50
READS_PER_SECOND = 1000
LISTS_PER_SECOND = 500
ACTOR = "system:bench"
SALES_BAKERS = ("sales.products", "sales.orders", "sales.popular_items")
PRODUCTS = 3
ADDRESS = {"name": "Bench Customer", "line1": "1 Benchmark Row", "city": "Benchton",
           "postalCode": "1234 AB", "country": "NL"}  # fmt: skip
JSON = ("Content-Type", "application/json")


def bench_customer() -> tuple[User, str]:
    """A new customer and its API token."""
    user = User.objects.create_user(f"bench-customer-{uuid.uuid4().hex[:8]}")
    return user, issue(user).key


def catalog_and_order(user: User) -> tuple[list[uuid.UUID], uuid.UUID]:
    """A few products, and one order of them placed by `user`, all baked."""
    products = [uuid.uuid4() for _ in range(PRODUCTS)]
    for n, product in enumerate(products):
        create = catalog.CreateProduct(product, uuid.uuid4(), f"api item {n}", Decimal("9.99"))
        submit(create, actor=ACTOR)
    Executor().run()
    order_id = uuid.uuid4()
    lines = tuple(sales.RequestedLine(p, 1) for p in products)
    address = Address("Bench Customer", "1 Benchmark Row", "Benchton", "1234 AB", "NL")
    place = sales.PlaceOrder(order_id, customer_id_for(user), lines, address, timezone.now())
    submit(place, actor=f"customer:{user.pk}")
    Executor().run()
    for name in SALES_BAKERS:
        Runner(registry.named(name)).catch_up()
    return products, order_id


def bare_row() -> int:
    """The table the bare app writes, and one row in it for its GET side."""
    with raw_connect() as raw:
        raw.execute(CREATE_TABLE)
        row = raw.execute(
            "INSERT INTO bench_api_bare (body) VALUES ('{}'::jsonb) RETURNING id"
        ).fetchone()
        raw.commit()
    return row[0]


Drive = Callable[[int, Request], Result]


def alternate(
    rounds: int, shop: tuple[int, Request], bare: tuple[int, Request], drive: Drive
) -> tuple[list[Result], list[Result]]:
    """Each round drives both sides once, the first side swapping every round."""
    ours: list[Result] = []
    theirs: list[Result] = []
    for number in range(rounds):
        sides = [(shop, ours), (bare, theirs)]
        for (port, request), results in sides if number % 2 == 0 else sides[::-1]:
            results.append(drive(port, request))
    return ours, theirs


def total(results: list[Result]) -> Result:
    whole = Result()
    for result in results:
        whole.add(result)
    return whole


def throughput(results: list[Result]) -> Measure:
    """The median round's requests/s, with the pooled latencies and any failed answers."""
    whole = total(results)
    median = statistics.median(r.samples.events_per_second for r in results)
    p50, p99 = (whole.samples.percentile(q) * 1000 for q in (50, 99))
    detail = f"median of {len(results)} rounds; p50 {p50:.1f} ms, p99 {p99:.1f} ms"
    return Measure(median, "req/s", detail + failures(whole))


def latency(results: list[Result]) -> Measure:
    whole = total(results)
    p50, p99 = (whole.samples.percentile(q) * 1000 for q in (50, 99))
    worst = max(whole.samples.latencies) * 1000
    rate = whole.samples.events / whole.samples.wall
    count = whole.samples.events
    detail = f"p50 {p50:.1f} ms, max {worst:.1f} ms; {count:,} requests at {rate:.0f}/s"
    return Measure(p99, "ms p99", detail + failures(whole))


def failures(result: Result) -> str:
    """Every answer other than 200/202, by status: a throttled or failed request is fast."""
    bad = {status: n for status, n in sorted(result.statuses.items()) if status not in (200, 202)}
    if not bad:
        return "; all 2xx"
    return "; NOT 2xx: " + ", ".join(f"{n} x {status}" for status, n in bad.items())


def api_figures(rounds: int, seconds: float, rate_seconds: float, log_dir: Path) -> list[Figure]:
    """POST throughput and latency, and each read's throughput, Shop beside the bare app."""
    user, token = bench_customer()
    products, order_id = catalog_and_order(user)
    command_id = submit(sales.CancelOrder(uuid.uuid4(), "bench", "customer", timezone.now()),
                        actor=f"customer:{user.pk}").command_id  # fmt: skip
    bare_id = bare_row()
    auth = ("Authorization", f"Token {token}")
    body = json.dumps({"lines": [{"productId": str(p), "quantity": 1} for p in products],
                       "shippingAddress": ADDRESS}).encode()  # fmt: skip
    place = Request("POST", "/api/order", (auth, JSON), body)
    bare_place = Request("POST", "/bare/order", (auth, JSON), body)
    bare_read = Request("GET", f"/bare/order/{bare_id}", (auth,))
    reads = {
        "GET /api/order/{id}": (Request("GET", f"/api/order/{order_id}", (auth,)),
                                READS_PER_SECOND),
        "GET /api/products": (Request("GET", "/api/products", (auth,)), LISTS_PER_SECOND),
        "GET /api/order (list)": (Request("GET", "/api/order", (auth,)), LISTS_PER_SECOND),
        "GET /api/invoices": (Request("GET", "/api/invoices", (auth,)), LISTS_PER_SECOND),
        "GET /api/commands/{id}": (Request("GET", f"/api/commands/{command_id}", (auth,)),
                                   LISTS_PER_SECOND),
    }  # fmt: skip

    def drive(port: int, request: Request) -> Result:
        return saturate(port, request, CONNECTIONS, seconds)

    try:
        with both_servers(log_dir) as (shop_port, bare_port):
            posts = alternate(rounds, (shop_port, place), (bare_port, bare_place), drive)
            steady = alternate(
                2, (shop_port, place), (bare_port, bare_place),
                lambda port, request: at_rate(port, request, CONNECTIONS, RATE, rate_seconds / 2),
            )  # fmt: skip
            got = {
                name: alternate(rounds, (shop_port, read), (bare_port, bare_read), drive)
                for name, (read, _) in reads.items()
            }
    finally:
        purge_wakeups()  # no worker takes them; the next run's stack must not either
    figures = place_figures(posts, steady)
    for name, (_, goal) in reads.items():
        figures.append(read_figure(name, got[name], goal))
    return figures


def served_by() -> str:
    return f"{web_workers()} processes"


def place_figures(
    posts: tuple[list[Result], list[Result]], steady: tuple[list[Result], list[Result]]
) -> list[Figure]:
    post_ours, post_theirs = throughput(posts[0]), throughput(posts[1])
    steady_ours, steady_theirs = latency(steady[0]), latency(steady[1])
    return [
        Figure(
            f"POST /api/order, {served_by()}, {CONNECTIONS} connections",
            post_ours, "bare ASGI app, 1 INSERT per request", post_theirs,
            limits=(Limit("", post_ours.value, PLACES_PER_SECOND, "req/s"),
                    no_server_errors(posts[0])),
        ),
        Figure(
            f"POST /api/order latency at a steady {RATE} req/s",
            steady_ours, f"bare app at {RATE} req/s", steady_theirs,
            limits=(Limit("p99", steady_ours.value, P99_MS, "ms", at_most=True),
                    no_server_errors(steady[0])),
        ),
    ]  # fmt: skip


def read_figure(name: str, results: tuple[list[Result], list[Result]], goal: int) -> Figure:
    ours, theirs = throughput(results[0]), throughput(results[1])
    return Figure(
        f"{name}, {served_by()}, {CONNECTIONS} connections",
        ours, "bare ASGI app, 1 SELECT by key", theirs,
        limits=(Limit("", ours.value, goal, "req/s"), no_server_errors(results[0])),
    )  # fmt: skip


def no_server_errors(results: list[Result]) -> Limit:
    errors = sum(n for status, n in total(results).statuses.items() if status >= 500)
    return Limit("5xx", errors, 0, at_most=True)


def api_notes(rounds: int, seconds: int, rate_seconds: int) -> list[str]:
    """How the API figures are taken, for the docs section."""
    return [
        "API: Shop runs as `make run` runs it (`shop.devstack.servers.http_server`: granian's "
        f"WSGI interface, {served_by()} of SHOP_WEB_THREADS threads, every middleware on); the "
        "bare app (`bench.bare_app:app`) runs on the same granian through its ASGI interface "
        "with as many processes. Both use the fresh store; no Celery worker runs (a 202 only "
        "writes the inbox row; the orders stay pending in a database the next run drops). "
        "Throttles stay on with the bench customer's rate set too high to refuse "
        "(`SHOP_API_USER_RATE`), and every answer's status is counted: the figure says "
        "`all 2xx` or lists the others, and any 5xx fails it. The client (`bench.http_load`, "
        f"in the benchmark process) holds {CONNECTIONS} keep-alive HTTP/1.1 connections over "
        "raw asyncio sockets. Throughput: each connection sends back to back; "
        f"{rounds} rounds of {seconds} s per side, sides alternating, the median round's "
        "req/s. The bare app answers `POST /bare/order` with one INSERT of the body into "
        "`bench_api_bare` and every GET with one SELECT by key, through a psycopg async pool "
        f"of {POOL_SIZE} connections per process. Goals: POST >= {PLACES_PER_SECOND} req/s, "
        f"GET of an order >= {READS_PER_SECOND:,} req/s, each list and a command's status "
        f">= {LISTS_PER_SECOND} req/s.",
        f"API latency: {RATE} req/s on a fixed schedule for {rate_seconds} s per side (two "
        "halves, alternating), each request timed from when it was due, so a stall also "
        f"counts against the requests it delayed. Goal: p99 <= {P99_MS} ms. The reads are "
        "the bench customer's: its order (baked before the servers start), the catalog, its "
        "orders, its invoices and one of its commands.",
    ]
