"""A simulation run: sign the actors in, then start orders at a steady rate.

`simulate(plan)` is the whole run and returns a `Report`; the management command
prints it, and a benchmark can read its figures.
"""

from __future__ import annotations

import math
import secrets
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from random import Random
from urllib.parse import urlsplit

from shop.simulate.client import Api, ApiError
from shop.simulate.journey import Shop, journey
from shop.simulate.stats import OUTCOMES, Stats

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Plan:
    base_url: str
    orders: int
    rate: float
    customers: int
    staff_user: str
    staff_password: str
    seed: int | None = None
    concurrency: int = 0
    """Journeys in flight at most; 0 picks enough for the rate."""

    def threads(self) -> int:
        return self.concurrency or min(64, max(4, math.ceil(self.rate * 3)))


@dataclass
class Report:
    plan: Plan
    stats: Stats
    seconds: float = 0.0
    order_ids: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """The summary: what happened, then latencies per operation, then any errors."""
        stats, plan = self.stats, self.plan
        lines = [
            f"Simulated {len(self.order_ids)} of {plan.orders} orders from {plan.customers}"
            f" customers in {self.seconds:.1f} s (started at {plan.rate:g}/s):"
            f" {stats.requests} requests, {stats.throttled} retried, {len(stats.errors)} errors",
            *(f"  {name:<20} {stats.outcomes[name]:>6}" for name in OUTCOMES),
            f"  {'operation':<20} {'count':>6} {'p50 ms':>9} {'p95 ms':>9} {'p99 ms':>9}",
        ]
        for name, latency in stats.latency().items():
            lines.append(
                f"  {name:<20} {latency.count:>6} {latency.p50:>9.1f} {latency.p95:>9.1f}"
                f" {latency.p99:>9.1f}"
            )
        lines += [f"  error: {error}" for error in stats.errors[:10]]
        return lines


def simulate(plan: Plan, progress: Progress | None = None) -> Report:
    """Run the plan against the server at `plan.base_url`; the report of what it did."""
    report = Report(plan, Stats())
    shop = prepare(Api(plan.base_url.rstrip("/"), report.stats), plan)
    seed = plan.seed if plan.seed is not None else secrets.randbits(32)
    started = time.monotonic()
    with ThreadPoolExecutor(plan.threads(), thread_name_prefix="simulate") as pool:
        futures: list[Future] = []
        for number in range(plan.orders):
            _sleep_until(started + number / plan.rate, futures, plan.orders, progress)
            futures.append(pool.submit(journey, shop, Random(seed + number), report.stats))
        while not all(future.done() for future in futures):
            _tick(futures, plan.orders, progress)
            time.sleep(0.1)
    _tick(futures, plan.orders, progress)
    report.seconds = time.monotonic() - started
    report.order_ids = [order for future in futures if (order := future.result())]
    return report


def _sleep_until(
    moment: float, futures: list[Future], total: int, progress: Progress | None
) -> None:
    while (left := moment - time.monotonic()) > 0:
        _tick(futures, total, progress)
        time.sleep(min(left, 0.1))


def _tick(futures: list[Future], total: int, progress: Progress | None) -> None:
    if progress is not None:
        progress(sum(future.done() for future in futures), total)


def prepare(api: Api, plan: Plan) -> Shop:
    """Staff's token, `plan.customers` new customers signed up, and the active catalog."""
    answer = api.call(
        "sign in", "POST", "/api/auth/token",
        {"username": plan.staff_user, "password": plan.staff_password}, expect=(200,),
    )  # fmt: skip
    staff = api.signed_in(answer["token"])
    run = secrets.token_hex(3)
    with ThreadPoolExecutor(min(16, max(1, plan.customers))) as pool:
        tokens = pool.map(lambda n: _sign_up(api, f"sim-{run}-{n:03d}"), range(plan.customers))
        customers = tuple(api.signed_in(token) for token in tokens)
    products = tuple(_active_products(api))
    if not products:
        raise ApiError("The catalog has no active products: run manage.py seed_demo first.")
    return Shop(staff, customers, products)


def _sign_up(api: Api, username: str) -> str:
    body = {
        "username": username,
        "password": secrets.token_urlsafe(16),
        "email": f"{username}@simulated.shop.local",
    }
    return api.call("sign up", "POST", "/api/auth/signup", body, expect=(201,))["token"]


def _active_products(api: Api) -> list[dict]:
    """Every active product, following the list's cursor links."""
    found, path = [], "/api/products?active=true"
    while path:
        page = api.call("list products", "GET", path)
        found += [product for product in page["results"] if product["active"]]
        path = _path_of(page["next"]) if page.get("next") else ""
    return found


def _path_of(link: str) -> str:
    parts = urlsplit(link)
    return parts.path + (f"?{parts.query}" if parts.query else "")
