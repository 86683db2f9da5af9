"""Samples of timed operations, and running two sides alternately.

Both sides of a figure run in alternating rounds, the first side swapping every round,
so that drift in the server (checkpoints, autovacuum, a neighbour's load) lands on both
rather than on whichever ran second.

Each round should also open fresh connections. On a small VM a connection's round trip
depends on where the scheduler happens to put its backend process relative to the
client: on the 2-vCPU machine this suite was written on, `BEGIN; SELECT 1; COMMIT` took
about 55 us on some connections and 210-365 us on others, for the whole life of the
connection. One long-lived connection per side would hand that luck to a whole figure;
a new one per round averages it out.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

WARM = 5
"""Untimed operations at the start of a round: a new connection's first statements load
catalog caches, and psycopg prepares a statement only on its fifth run."""


@dataclass
class Samples:
    """Latencies of operations and the events they carried, over `wall` seconds.

    `wall` is the elapsed time of the whole run: for one caller it is the sum of the
    latencies, for concurrent callers it is shorter, and throughput divides by it.
    """

    latencies: list[float] = field(default_factory=list)
    events: int = 0
    wall: float = 0.0

    def add(self, other: Samples) -> None:
        self.latencies.extend(other.latencies)
        self.events += other.events
        self.wall += other.wall

    @property
    def events_per_second(self) -> float:
        return self.events / self.wall

    def percentile(self, q: float) -> float:
        """The nearest-rank `q`th percentile latency, in seconds."""
        ordered = sorted(self.latencies)
        rank = max(1, math.ceil(q / 100 * len(ordered)))
        return ordered[rank - 1]


def measure(work: Sequence[Callable[[], object]], events_each: int, warm: int = WARM) -> Samples:
    """Run `work` in order and time each step, except the first `warm`, which only warm up."""
    for step in work[:warm]:
        step()
    latencies = []
    for step in work[warm:]:
        started = time.perf_counter()
        step()
        latencies.append(time.perf_counter() - started)
    return Samples(latencies, len(latencies) * events_each, sum(latencies))


Run = Callable[[int], Samples]
"""Run one side for the given number of operations; return its samples."""


def alternate(
    rounds: int, operations: int, first: Run, second: Run, warmup: int = 0
) -> tuple[Samples, Samples]:
    """Run each side `operations` times in total, split into `rounds` alternating rounds.

    `warmup` operations per side run first and are thrown away: they pay for connecting,
    psycopg's statement preparation and a cold buffer cache, which no later round pays.
    """
    ours, theirs = rotate(rounds, operations, [first, second], warmup)
    return ours, theirs


def rotate(rounds: int, operations: int, sides: list[Run], warmup: int = 0) -> list[Samples]:
    """`alternate` for any number of sides: each round starts one side later."""
    for run in sides if warmup else []:
        run(warmup)
    totals = [Samples() for _ in sides]
    per_round = max(1, operations // rounds)
    for number in range(rounds):
        turn = number % len(sides)
        for index in [*range(turn, len(sides)), *range(turn)]:
            totals[index].add(sides[index](per_round))
    return totals
