"""The fan-out figures: pushes to customers' sockets, pushes to staff boards, and the
ASGI process's memory, each beside its same-run baseline (`bench.fanout`)."""

from __future__ import annotations

from dataclasses import dataclass

from bench.fanout_tally import CUSTOMER, INVOICED, PLACED, STAFF, Audience, Phase, Received, tally
from bench.feed_clients import Report
from bench.latency import ARRIVAL_SECONDS
from bench.memory import MB, Watched
from bench.report import Figure, Limit, Measure
from bench.sustained import Load

P99_MS = 500
RSS_MB = 300
NAMED = 3  # missing pushes named in a figure; the rest are counted


@dataclass(frozen=True)
class Run:
    """One fan-out run: who watched, Shop's orders and the baseline's, the submits'
    schedule, what the sockets received, the server's memory, and how long the sockets
    took to open."""

    audience: Audience
    shop: Phase
    direct: Phase
    load: Load
    clients: Report
    memory: Watched
    opened: float


def figures(run: Run, rate: float) -> list[Figure]:
    kinds = run.audience.kinds
    arrivals = {name: tally["arrivals"] for name, tally in run.clients.tallies.items()}
    shop, direct = tally(run.shop, kinds, arrivals), tally(run.direct, kinds, arrivals)
    customers, boards = len(run.audience.customers), len(run.audience.boards)
    return [
        push_figure(
            f"fan-out: {customers:,} customers' sockets, each on its own orders, at {rate:g}"
            f" orders/s for {run.load.span:.0f} s",
            shop[CUSTOMER], direct[CUSTOMER], run, CUSTOMER,
        ),
        push_figure(
            f"fan-out: {boards} staff boards on every order (the same run)",
            shop[STAFF], direct[STAFF], run, STAFF,
        ),
        memory_figure(run),
    ]  # fmt: skip


def push_figure(name: str, shop: Received, direct: Received, run: Run, kind: str) -> Figure:
    p99 = shop.ms(99)
    detail = (
        f"p50 {shop.ms(50):.0f} ms; {delivery(shop)}; {PLACED} p99 {shop.ms(99, PLACED):.0f} ms,"
        f" {INVOICED} p99 {shop.ms(99, INVOICED):.0f} ms; {chains(run, kind)}"
    )
    if kind == CUSTOMER:
        detail += f"; {run.load.achieved:.0f} submits/s; {clients(run)}"
    baseline = Measure(direct.ms(99), "ms p99", f"p50 {direct.ms(50):.1f} ms; {delivery(direct)}")
    limits = (
        Limit("p99", p99, P99_MS, "ms", at_most=True),
        Limit("missing", len(shop.missing), 0, "pushes", at_most=True),
        Limit("misdelivered", len(shop.misdelivered), 0, "pushes", at_most=True),
    )
    return Figure(
        name,
        Measure(p99, "ms p99", detail),
        "the same pushes by group_send, no pipeline",
        baseline,
        limits=limits,
    )


def delivery(received: Received) -> str:
    """How many expected pushes arrived, and the first few that did not or went astray."""
    text = (
        f"{received.received:,}/{received.expected:,} pushes to {received.sockets:,} sockets"
        f" arrived within {ARRIVAL_SECONDS} s of the last send"
    )
    for what, pushes in (("missing", received.missing), ("misdelivered", received.misdelivered)):
        if pushes:
            more = f" and {len(pushes) - NAMED:,} more" if len(pushes) > NAMED else ""
            text += f"; {what}: {', '.join(pushes[:NAMED])}{more}"
    return text


def chains(run: Run, kind: str) -> str:
    """The sockets' broken chains and reconnections over the whole run, both phases."""
    names = [name for name, of in run.audience.kinds.items() if of == kind]
    tallies = [run.clients.tallies.get(name, {}) for name in names]
    broken = sum(tally.get("broken_chains", 0) for tally in tallies)
    again = sum(tally.get("reconnections", 0) for tally in tallies)
    gave_up = sum(1 for tally in tallies if tally.get("error", "missing"))
    messages = sum(tally.get("messages", 0) for tally in tallies)
    text = f"{messages:,} messages in all, {broken} broken chains, {again} reconnections"
    return text + (f", {gave_up} sockets gave up" if gave_up else "")


def clients(run: Run) -> str:
    """How busy the client processes were: they must not be what is measured."""
    busy = ", ".join(f"{cpu / wall:.0%}" for cpu, wall in zip(run.clients.cpu, run.clients.wall,
                                                               strict=True))  # fmt: skip
    return (
        f"client processes {busy} of a core each, event loops at most"
        f" {run.clients.loop_lag * 1000:.0f} ms late"
    )


def memory_figure(run: Run) -> Figure:
    phases, peak = run.memory.phases, run.memory.peak() / MB
    sockets = len(run.audience.kinds)
    idle, opened = phases["idle"].start / MB, phases["open"].start / MB
    load, direct = phases["load"], phases["baseline"]
    detail = (
        f"VmHWM {run.memory.high_water / MB:.0f} MB; {idle:.0f} MB before the sockets opened,"
        f" {opened:.0f} MB with all open ({(opened - idle) * 1024 / sockets:.0f} kB a socket,"
        f" opened in {run.opened:.1f} s); at most {load.peak / MB:.0f} MB under Shop's pushes"
        f" and {direct.peak / MB:.0f} MB under the baseline's; uvicorn busy"
        f" {load.cpu / load.wall:.0%} of a core under Shop's, {direct.cpu / direct.wall:.0%}"
        " under the baseline's"
    )
    return Figure(
        f"peak RSS of the ASGI process, {sockets:,} sockets open (the same run)",
        Measure(peak, "MB", detail),
        "the same process before any socket opened",
        Measure(idle, "MB"),
        limits=(Limit("peak", peak, RSS_MB, "MB", at_most=True),),
    )
