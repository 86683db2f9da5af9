"""Back-office tests: most run in a rolled-back transaction, executing and baking in
this process; those that need a real worker or a live server use `committed_db`."""

from __future__ import annotations

import pytest

import tests.live.conftest  # noqa: F401  stands in for daphne before channels.testing loads
from tests.integration.conftest import celery_processes  # noqa: F401  the real worker


@pytest.fixture
def quick_outcomes(settings: object) -> None:
    """Nobody executes commands during a rolled-back test: do not wait for outcomes."""
    settings.SHOP_ADMIN_OUTCOME_SECONDS = 0
