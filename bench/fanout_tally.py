"""Counting a fan-out run's pushes: what each socket should have received, what it did
receive, and how late.

A staff board expects every order's counted events; a customer's socket expects its own
orders' and nothing of anyone else's. An expected push that never came counts as
infinitely late and is named; one that came to the wrong socket is named too.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from bench.timing import Samples

PLACED, INVOICED = "sales.OrderPlaced", "sales.OrderInvoiced"
COUNTED = (PLACED, INVOICED)
"""An order's first push (one hop from its submit) and its last in a run (three commands
and two receptors later); `invoicing.InvoiceIssued` rides between them uncounted."""

STAFF, CUSTOMER = "staff", "customer"


@dataclass(frozen=True)
class Audience:
    """Who watches: each staff board's token, and each customer's token and customer id,
    by the name of its socket."""

    boards: dict[str, str]
    customers: dict[str, tuple[str, uuid.UUID]]

    @property
    def customer_ids(self) -> list[uuid.UUID]:
        return [customer for _, customer in self.customers.values()]

    @property
    def kinds(self) -> dict[str, str]:
        """Each socket's class."""
        return {**dict.fromkeys(self.boards, STAFF), **dict.fromkeys(self.customers, CUSTOMER)}

    def owners(self, customers: Mapping[str, uuid.UUID]) -> dict[str, str]:
        """Each order's socket, given each order's customer id."""
        sockets = {customer: name for name, (_, customer) in self.customers.items()}
        return {order: sockets[customer] for order, customer in customers.items()}


@dataclass(frozen=True)
class Phase:
    """One phase's orders: when each was sent (`time.perf_counter()`), and the name of
    the socket of the customer it belongs to; what arrives after `until` is too late."""

    sent: dict[str, float]
    owners: dict[str, str]
    until: float = math.inf


@dataclass
class Received:
    """One class of sockets in one phase: a latency per expected push (inf when it never
    came), by event type too, and the pushes that were missing or misdelivered."""

    sockets: int = 0
    latencies: list[float] = field(default_factory=list)
    by_event: dict[str, list[float]] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    misdelivered: list[str] = field(default_factory=list)

    @property
    def expected(self) -> int:
        return len(self.latencies)

    @property
    def received(self) -> int:
        return sum(1 for latency in self.latencies if latency != math.inf)

    def ms(self, q: float, event: str | None = None) -> float:
        """The `q`th percentile latency in ms, of every counted push or of one type."""
        latencies = self.latencies if event is None else self.by_event.get(event, [])
        return Samples(latencies).percentile(q) * 1000 if latencies else math.nan

    def add(self, event: str, latency: float) -> None:
        self.latencies.append(latency)
        self.by_event.setdefault(event, []).append(latency)


def tally(
    phase: Phase, kinds: Mapping[str, str], arrivals: Mapping[str, Iterable[list]]
) -> dict[str, Received]:
    """Each class's pushes: `kinds` names every socket's class (STAFF or CUSTOMER), and
    `arrivals` what each socket noted, as [order id, event type, time]; arrivals of
    orders outside the phase are left out, and those after its end count as missing. A
    socket with no arrivals listed received nothing."""
    theirs: dict[str, list[str]] = {}
    for order, owner in phase.owners.items():
        theirs.setdefault(owner, []).append(order)
    classes = {STAFF: Received(), CUSTOMER: Received()}
    for socket, kind in kinds.items():
        received = classes[kind]
        received.sockets += 1
        seen = {(order, event): at for order, event, at in arrivals.get(socket, ())
                if order in phase.sent and at <= phase.until}  # fmt: skip
        expected = phase.sent if kind == STAFF else theirs.get(socket, [])
        for order in expected:
            for event in COUNTED:
                at = seen.pop((order, event), None)
                received.add(event, math.inf if at is None else at - phase.sent[order])
                if at is None:
                    received.missing.append(f"{socket}: {order} {event}")
        received.misdelivered += [
            f"{socket}: {order} {event}" for (order, event) in seen if event in COUNTED
        ]
    return classes
