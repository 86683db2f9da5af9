"""Fixtures for invoicing's tests on the real Postgres."""

from __future__ import annotations

import pytest

from contexts.sales import domain as sales
from eventstore.registry import registry


@pytest.fixture(autouse=True)
def sales_events() -> None:
    """The sales events invoicing reacts to, registered as sales registers them, in case the
    sales context's handlers are not installed in this run."""
    for name, cls in {
        "sales.OrderPlaced": sales.OrderPlaced,
        "sales.OrderCancelled": sales.OrderCancelled,
    }.items():
        if name not in registry.names():
            registry.register(name, cls)
