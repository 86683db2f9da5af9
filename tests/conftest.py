"""Test fixtures shared by the whole suite.

Tests run against the real Postgres and Redis that `make test` provides. The events table
refuses TRUNCATE, so tests never flush the database: each test writes to fresh streams
and reads only what it wrote (or what came after the head it saw first).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connections


@pytest.fixture
def committed_db(django_db_setup: None, django_db_blocker) -> Iterator[None]:
    """Database access with real commits, for tests that need several connections."""
    with django_db_blocker.unblock():
        yield
        connections.close_all()
