"""Webhooks out, through the stack `make run` deploys: throughput to a fast receiver,
event-to-delivery latency at a steady rate, and that latency beside a slow endpoint.

The stack is `bench.stack.running_stack` with beat and the relay's worker of threads
(`celery worker -n relay@%h -P threads`, SHOP_WEBHOOK_THREADS), in an environment that
lets endpoints on 127.0.0.1 over http (`ENDPOINT_ENV`: the SSRF rules refuse them
otherwise). Two receivers run in processes of their own (`bench.webhook_receiver`): a
fast one, whose own ceiling is measured first with a raw keep-alive client
(`bench.http_load`, `relay.ORDERS_AT_ONCE` connections), and a slow one answering every
request after `SLOW_SECONDS`. An endpoint is registered for each, for every public type.

1. Throughput (`bench.webhook_drain`): a backlog of orders to the fast endpoint, drained
   by the relay, beside a bare httpx loop posting the same signed bodies to the same
   receiver, run before and after the relay's drain.
2. Latency: one-line orders through the real pipeline (`order.placed`, `item.purchased`
   and `invoice.issued` each: `EVENTS_PER_ORDER` public events), at `rate` events/s for
   `seconds`. Each delivery is timed from its event's `recorded_at` (the appending
   transaction's start, a little before its commit, on the server's wall clock, turned
   into this machine's CLOCK_MONOTONIC by the offset between the two read here) to its
   first arrival at the receiver, on CLOCK_MONOTONIC. A delivery that has not arrived
   `ARRIVAL_SECONDS` after the last submit counts as infinitely late.
3. Isolation: the same load, with the slow endpoint enabled and holding the backlog it
   was owed all along; rounds alternate (alone, beside; beside, alone; ...), the slow
   endpoint disabled and its last requests answered before each round alone, enabled
   and its requests arriving before each round beside. The fast endpoint's p99 beside it
   over its p99 alone.
"""

from __future__ import annotations

import math
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from django.test import override_settings

from bench.fanout import monotonic_clocks
from bench.http_load import Request, saturate
from bench.latency import ARRIVAL_SECONDS, WARM_RATE, create_products, place_orders
from bench.report import Figure, Goal, Limit, Measure
from bench.stack import Stack, purge_wakeups, running_stack
from bench.timing import Samples
from bench.webhook_drain import (
    Drained,
    drain,
    fill_backlog,
    pending,
    post_directly,
    signed_runs,
    wait_until,
)
from bench.webhook_receiver import PATH, Receiver, receiving
from contexts.integrations import endpoints, relay
from contexts.integrations.catalogue import PUBLIC_TYPES
from contexts.integrations.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint

ENDPOINT_ENV = {"SHOP_WEBHOOK_ALLOW_HTTP": "1", "SHOP_WEBHOOK_ALLOWED_HOSTS": "127.0.0.1"}
ENDPOINT_DESCRIPTION = "bench"
SLOW_SECONDS = 9.0
EVENTS_PER_ORDER = 3
WARM_ORDERS = 10
CEILING_SECONDS = 3.0
RATE, RATIO, P99_MS, BESIDE = 1000, 0.5, 200, 1.2  # the goals


@dataclass
class Rounds:
    """The fast endpoint's latencies, alone and beside the slow endpoint."""

    alone: Samples = field(default_factory=Samples)
    beside: Samples = field(default_factory=Samples)
    slow_backlog: int = 0
    """The slow endpoint's pending deliveries as its first round beside began."""
    achieved: list[float] = field(default_factory=list)
    parts: dict[bool, list[float]] = field(default_factory=lambda: {False: [], True: []})
    """Each part's own p99, in ms, alone (False) and beside (True): how far the
    machine's load moved it from one part to the next."""
    outbox: dict[bool, Samples] = field(default_factory=lambda: {False: Samples(), True: Samples()})
    """Each delivery's seconds from its event's recording to its outbox row (the
    fan-out's clock): the part of the latency before the relay."""


def register(receiver: Receiver) -> WebhookEndpoint:
    """An endpoint for every public type, disabled: each phase enables what it needs."""
    allowed = {key: value == "1" if key.endswith("HTTP") else (value,)
               for key, value in ENDPOINT_ENV.items()}  # fmt: skip
    with override_settings(**allowed):
        endpoint = endpoints.register(receiver.url, PUBLIC_TYPES, ENDPOINT_DESCRIPTION)
    return enable(endpoint, False)


def enable(endpoint: WebhookEndpoint, enabled: bool) -> WebhookEndpoint:
    return endpoints.change(WebhookEndpoint.objects.get(pk=endpoint.pk), enabled=enabled)


def ceiling(receiver: Receiver, runs: list) -> float:
    """The receiver's own req/s under a raw keep-alive client, the first body posted
    back to back on as many connections as the relay uses."""
    body, headers = runs[0][0]
    request = Request("POST", PATH, tuple(headers.items()), body)
    result = saturate(receiver.port, request, relay.ORDERS_AT_ONCE, CEILING_SECONDS)
    return result.samples.events_per_second


def delivered_within(
    stack: Stack, receiver: Receiver, endpoint: WebhookEndpoint, orders: dict[str, float],
    since: int,
) -> tuple[list[float], list[float]]:  # fmt: skip
    """Each delivery's seconds from its event's recording to its first arrival (inf for
    one missing once ARRIVAL_SECONDS have passed since the last submit), and to its
    outbox row."""
    owed = len(orders) * EVENTS_PER_ORDER
    rows = WebhookDelivery.objects.filter(endpoint=endpoint, ordering_key__in=list(orders))
    done = rows.filter(status=DeliveryStatus.DELIVERED)
    deadline = max(orders.values()) + ARRIVAL_SECONDS
    while done.count() < owed and time.perf_counter() < deadline:
        stack.check_running()
        time.sleep(0.1)
    offset = min(time.time() - time.perf_counter() for _ in range(5))
    arrived: dict[str, float] = {}
    for message_id, at in receiver.arrivals(since):
        arrived.setdefault(message_id, at)
    rows = list(rows.values_list("id", "occurred_at", "created_at"))
    recorded = [(f"msg_{id.hex}", at.timestamp() - offset) for id, at, _ in rows]
    latencies = [arrived.get(message_id, math.inf) - at for message_id, at in recorded]
    outbox = [(created - occurred).total_seconds() for _, occurred, created in rows]
    return latencies + [math.inf] * (owed - len(recorded)), outbox


def timed_round(
    stack: Stack, receiver: Receiver, endpoint: WebhookEndpoint, products: list[uuid.UUID],
    rate: float, seconds: float,
) -> tuple[Samples, Samples, float]:  # fmt: skip
    """One round of `rate` public events/s for `seconds`; its latencies, their parts
    before the relay, and the rate of events the submits achieved."""
    since = receiver.count()
    per_second = rate / EVENTS_PER_ORDER
    orders = place_orders(products, max(2, round(per_second * seconds)), per_second)
    latencies, outbox = delivered_within(stack, receiver, endpoint, orders, since)
    span = max(orders.values()) - min(orders.values())
    achieved = (len(orders) - 1) * EVENTS_PER_ORDER / span
    return Samples(latencies, len(latencies)), Samples(outbox, len(outbox)), achieved


def latency_rounds(
    stack: Stack, fast: tuple[Receiver, WebhookEndpoint], slow: tuple[Receiver, WebhookEndpoint],
    products: list[uuid.UUID], rate: float, seconds: float, rounds: int,
) -> Rounds:  # fmt: skip
    """Alone then beside, beside then alone, ... for `rounds` rounds."""
    (fast_receiver, fast_endpoint), (slow_receiver, slow_endpoint) = fast, slow
    result = Rounds()
    for number in range(rounds):
        for beside in (False, True) if number % 2 == 0 else (True, False):
            enable(slow_endpoint, beside)
            if beside:
                result.slow_backlog = result.slow_backlog or pending(slow_endpoint)
                wait_until(lambda: slow_receiver.waiting() > 0, 60, stack, "slow endpoint sent to")
            else:
                wait_until(lambda: slow_receiver.waiting() == 0, 60, stack, "slow sends answered")
            samples, outbox, achieved = timed_round(
                stack, fast_receiver, fast_endpoint, products, rate, seconds
            )
            (result.beside if beside else result.alone).add(samples)
            result.outbox[beside].add(outbox)
            result.achieved.append(achieved)
            result.parts[beside].append(samples.percentile(99) * 1000)
    enable(slow_endpoint, False)
    wait_until(lambda: slow_receiver.waiting() == 0, 60, stack, "slow sends answered")
    return result


def webhook_figures(
    backlog: int, rate: float, seconds: float, rounds: int, log_dir: Path,
    slow_seconds: float = SLOW_SECONDS,
) -> list[Figure]:  # fmt: skip
    """Throughput from a backlog of `backlog` orders, then `rounds` rounds of latency at
    `rate` events/s for `seconds` each, alone and beside the slow endpoint. The
    endpoints registered are deleted at the end, with their deliveries."""
    monotonic_clocks()
    purge_wakeups()
    log_dir.mkdir(parents=True, exist_ok=True)
    registered: list[WebhookEndpoint] = []
    try:
        with (
            receiving(log_dir / "fast-receiver.log") as fast,
            receiving(log_dir / "slow-receiver.log", slow_seconds) as slow,
            running_stack(log_dir, beat=True, relay=True, env=ENDPOINT_ENV) as stack,
        ):
            products = create_products(stack)
            registered += [register(fast), register(slow)]
            shop, bare, limit = throughput(stack, fast, registered[0], products, backlog)
            timed = latency_rounds(
                stack, (fast, registered[0]), (slow, registered[1]), products, rate, seconds,
                rounds,
            )  # fmt: skip
    finally:
        WebhookEndpoint.objects.filter(pk__in=[e.pk for e in registered]).delete()
    return [throughput_figure(shop, bare, limit), *latency_figures(timed, rate, slow_seconds)]


def throughput(
    stack: Stack, fast: Receiver, endpoint: WebhookEndpoint, products: list[uuid.UUID],
    backlog: int,
) -> tuple[Drained, list[Drained], float]:  # fmt: skip
    """Warm the relay up, fill the backlog, and drain it between the bare loop's runs:
    the relay's drain, the bare runs (lanes before and after, then one client) and the
    receiver's ceiling."""
    enable(endpoint, True)
    warm = place_orders(products, WARM_ORDERS, WARM_RATE)
    delivered_within(stack, fast, endpoint, warm, 0)  # warm-up: its latencies are not kept
    orders = fill_backlog(stack, endpoint, products, backlog)
    runs = signed_runs(endpoint, orders)
    limit = ceiling(fast, runs)
    lanes = relay.ORDERS_AT_ONCE
    bare = [post_directly(fast, runs, lanes)]
    shop = drain(stack, fast, endpoint)
    bare += [post_directly(fast, runs, lanes), post_directly(fast, runs, 1)]
    return shop, bare, limit


def throughput_figure(shop: Drained, bare: list[Drained], limit: float) -> Figure:
    """`bare`: the lanes before and after the relay's drain, then one client."""
    *lanes, plain = bare
    mean = sum(run.rate for run in lanes) / len(lanes)
    runs = ", ".join(f"{run.rate:,.0f}" for run in lanes)
    twice = f"; {shop.duplicates} sent twice" if shop.duplicates else ""
    return Figure(
        f"webhook deliveries/s to a fast local receiver, 1 endpoint, backlog of"
        f" {shop.deliveries:,}",
        Measure(shop.rate, "deliveries/s",
                f"{shop.deliveries:,} in {shop.span:.1f} s, the first {shop.first_after * 1000:.0f}"
                f" ms after enabling{twice}{shop.cpu()}"),
        f"bare httpx loop, {relay.ORDERS_AT_ONCE} at once (a client of 1 connection each),"
        " same bodies and receiver",
        Measure(mean, "deliveries/s", f"mean of {runs}, before and after; 1 client of"
                f" {relay.ORDERS_AT_ONCE} connections: {plain.rate:,.0f}; the receiver's own"
                f" ceiling {limit:,.0f} req/s"),
        goal=Goal(at_least=RATIO),
        limits=(Limit("", shop.rate, RATE, "deliveries/s"),),
    )  # fmt: skip


def percentiles(
    samples: Samples, outbox: Samples, parts: list[float], achieved: list[float]
) -> tuple[float, str]:
    p99 = samples.percentile(99) * 1000
    arrived = sum(1 for latency in samples.latencies if latency != math.inf)
    worst = max(samples.latencies) * 1000
    worst_text = f"max {worst:.0f} ms" if arrived == samples.events else "some not there"
    return p99, (
        f"p50 {samples.percentile(50) * 1000:.0f} ms, {worst_text}; p99 by part"
        f" {', '.join(f'{part:.0f}' for part in parts)}; {arrived:,}/{samples.events:,}"
        f" arrived; {min(achieved):.0f}-{max(achieved):.0f} events/s; event -> outbox row"
        f" p50 {outbox.percentile(50) * 1000:.0f} ms, p99 {outbox.percentile(99) * 1000:.0f}"
    )


def latency_figures(timed: Rounds, rate: float, slow_seconds: float) -> list[Figure]:
    alone, alone_text = percentiles(
        timed.alone, timed.outbox[False], timed.parts[False], timed.achieved
    )
    beside, beside_text = percentiles(
        timed.beside, timed.outbox[True], timed.parts[True], timed.achieved
    )
    return [
        Figure(
            f"event committed -> webhook delivered at {rate:g} events/s, 1 endpoint",
            Measure(alone, "ms p99", alone_text),
            "none",
            None,
            limits=(Limit("p99", alone, P99_MS, "ms", at_most=True),),
        ),
        Figure(
            f"the same, beside an endpoint answering after {slow_seconds:g} s with a backlog"
            f" of {timed.slow_backlog:,}",
            Measure(beside, "ms p99", beside_text),
            "the same endpoint alone, same run",
            Measure(alone, "ms p99"),
            goal=Goal(at_most=BESIDE),
        ),
    ]
