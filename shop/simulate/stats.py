"""What a simulation did and how long each operation took, gathered from many threads."""

from __future__ import annotations

import math
import threading
from collections import Counter, defaultdict
from dataclasses import dataclass, field

OUTCOMES = (
    "carts checked out", "direct orders", "paid", "dispatched", "delivered",
    "cancelled", "left unpaid",
)  # fmt: skip
"""The journeys' milestones, in the order the summary lists them."""


def percentile(sorted_values: list[float], fraction: float) -> float:
    """The nearest-rank percentile of already sorted values (0.0 for none)."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


@dataclass(frozen=True)
class Latency:
    count: int
    p50: float
    p95: float
    p99: float


@dataclass
class Stats:
    """Thread-safe tallies: outcomes, per-operation latencies in ms, and errors."""

    outcomes: Counter[str] = field(default_factory=Counter)
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    throttled: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def timed(self, operation: str, milliseconds: float) -> None:
        with self.lock:
            self.latencies[operation].append(milliseconds)

    def count(self, outcome: str) -> None:
        with self.lock:
            self.outcomes[outcome] += 1

    def fail(self, message: str) -> None:
        with self.lock:
            self.errors.append(message)

    def was_throttled(self) -> None:
        with self.lock:
            self.throttled += 1

    def latency(self) -> dict[str, Latency]:
        """p50/p95/p99 per operation, in ms, operations in the order first seen."""
        with self.lock:
            samples = {name: sorted(values) for name, values in self.latencies.items()}
        return {
            name: Latency(len(v), percentile(v, 0.5), percentile(v, 0.95), percentile(v, 0.99))
            for name, v in samples.items()
        }

    @property
    def requests(self) -> int:
        with self.lock:
            return sum(len(values) for values in self.latencies.values())
