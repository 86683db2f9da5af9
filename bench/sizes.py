"""How much work each figure does: the full run, and `--quick`."""

from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass(frozen=True)
class Sizes:
    """How much work each figure does; `--quick` trades stability for time."""

    single_appends: int = 4000
    batches: int = 400
    batch: int = 100
    read_events: int = 100_000
    read_rounds: int = 4
    concurrent_transactions: int = 4000
    appenders: int = 8
    growth_samples: int = 2000
    small_store: int = 10_000
    large_store: int = 1_000_000
    rounds: int = 40
    growth_rounds: int = 20
    concurrency_rounds: int = 8
    backlog: int = 20_000
    backlog_streams: int = 200
    executor_rounds: int = 3
    catch_up_events: int = 100_000
    catch_up_rounds: int = 4
    latency_rate: int = 100
    latency_seconds: int = 20
    calm_rate: int = 5
    calm_seconds: int = 10
    sustained_rate: int = 200
    sustained_seconds: int = 60
    """Orders/s, and how long they are held, for the sustained-load figures (issue 13)."""
    fanout_customers: int = 1000
    fanout_boards: int = 5
    fanout_rate: int = 100
    fanout_seconds: int = 30
    """Customers' sockets (each on its own orders), staff boards (on every order), and the
    orders/s held for so long, for the live feed's fan-out figures."""
    rebuild_store: int = 1_000_000
    """Rebuild over `shop_bench` when this reaches `large_store`, else over the fresh
    store topped up to this many events (so `--quick` never replays a million)."""

    api_rounds: int = 6
    api_seconds: int = 3
    """Per side per round, for each API throughput figure."""
    api_rate_seconds: int = 20
    """Per side, for the API latency figure at its steady rate."""
    process_backlog: int = 10_000
    """Orders submitted at once for the ordering process figures (issue 13)."""
    worker_backlog: int = 10_000
    """Orders submitted at once beside every baker's rebuild for the worker memory figure:
    enough to fill the executor's state cache (10,000 streams)."""
    webhook_backlog: int = 5_000
    """Orders (4 deliveries each) owed to the fast endpoint for the webhook throughput."""
    webhook_rate: int = 50
    webhook_seconds: int = 10
    webhook_rounds: int = 4
    """Public events/s, and seconds per part, of the webhook latency figures; each round
    has a part alone and a part beside the slow endpoint, in alternating order, so that
    the machine's load, which moves these p99s more than anything, falls on both."""

    def __str__(self) -> str:
        return ", ".join(f"{f.name}={getattr(self, f.name):,}" for f in fields(self))


QUICK = Sizes(
    single_appends=400,
    batches=40,
    read_events=20_000,
    read_rounds=2,
    concurrent_transactions=400,
    growth_samples=400,
    large_store=200_000,
    rounds=8,
    growth_rounds=6,
    concurrency_rounds=4,
    backlog=2_000,
    executor_rounds=1,
    catch_up_events=20_000,
    catch_up_rounds=2,
    latency_seconds=3,
    calm_seconds=2,
    sustained_seconds=5,
    fanout_customers=200,
    fanout_seconds=5,
    rebuild_store=40_000,
    api_rounds=2,
    api_seconds=1,
    api_rate_seconds=4,
    process_backlog=2_000,
    worker_backlog=1_000,
    webhook_backlog=100,
    webhook_seconds=3,
    webhook_rounds=1,
)
