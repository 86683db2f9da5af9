"""Test fixtures shared by the whole suite.

Tests run against the real Postgres and Redis that `make test` provides. The events table
refuses TRUNCATE, so tests never flush the database: each test writes to fresh streams
and reads only what it wrote (or what came after the head it saw first).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connection, connections


@pytest.fixture(scope="session")
def django_db_setup(django_test_environment: None, django_db_blocker) -> Iterator[None]:
    """Always create the test database.

    pytest-django creates it only when some collected test carries the django_db mark;
    tests using `committed_db` alone would otherwise run against the real database.
    """
    from django.test.utils import setup_databases, teardown_databases

    with django_db_blocker.unblock():
        config = setup_databases(verbosity=0, interactive=False, aliases={"default"})
    yield
    with django_db_blocker.unblock():
        connections.close_all()
        teardown_databases(config, verbosity=0)


@pytest.fixture
def committed_db(django_db_setup: None, django_db_blocker) -> Iterator[None]:
    """Database access with real commits, for tests that need several connections."""
    with django_db_blocker.unblock():
        assert connection.settings_dict["NAME"].startswith("test_"), "not the test database"
        yield
        connections.close_all()
