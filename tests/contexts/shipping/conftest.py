"""Fixtures for shipping's integration tests."""

from __future__ import annotations

import pytest

from contexts.invoicing.domain import InvoicePaid
from contexts.sales.domain import OrderCancelled, OrderPlaced
from eventstore.registry import registry

UPSTREAM_EVENTS = {
    "sales.OrderPlaced": OrderPlaced,
    "sales.OrderCancelled": OrderCancelled,
    "invoicing.InvoicePaid": InvoicePaid,
}


@pytest.fixture
def upstream_events() -> None:
    """The sales and invoicing events shipping reacts to, known to the event registry.

    Their own contexts register them when their apps are installed; this registers only
    those still missing, so it never overrides their schema versions.
    """
    known = set(registry.names())
    for name, cls in UPSTREAM_EVENTS.items():
        if name not in known:
            registry.register(name, cls)
