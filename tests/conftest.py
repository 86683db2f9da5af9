"""Test fixtures shared by the whole suite.

Tests run against the real Postgres and Redis that `make test` provides. The events table
refuses TRUNCATE, so tests never flush the database: each test writes to fresh streams
and reads only what it wrote (or what came after the head it saw first).

The owner creates and migrates the test database and grants the application's role; the
suite then runs as that role, as the servers do, and a test marked `database_owner` runs
as the owner (tests/database_roles.py).
"""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.db import connection, connections

from tests.database_roles import APP, OWNER, sign_in

REPLACED = pytest.StashKey[dict]()
"""The credentials a `database_owner` test replaced, put back after it."""


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("database_owner"):
        item.stash[REPLACED] = sign_in(OWNER)


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item: pytest.Item) -> None:
    if REPLACED in item.stash:
        sign_in(item.stash[REPLACED])


@pytest.fixture(scope="session", autouse=True)
def collected_static_files() -> None:
    """`collectstatic` once per run, as `make run` does before its servers start: the
    pages name hashed files from its manifest, and WhiteNoise serves them from there."""
    call_command("collectstatic", "--no-input", verbosity=0)


@pytest.fixture(scope="session")
def django_db_setup(django_test_environment: None, django_db_blocker) -> Iterator[None]:
    """Always create the test database.

    pytest-django creates it only when some collected test carries the django_db mark;
    tests using `committed_db` alone would otherwise run against the real database.
    """
    from django.test.utils import setup_databases, teardown_databases

    with django_db_blocker.unblock():
        replaced = sign_in(OWNER)
        config = setup_databases(verbosity=0, interactive=False, aliases={"default"})
        if OWNER != APP:
            call_command("grant_app_role", APP["USER"], stdout=io.StringIO())
        sign_in(replaced)
    yield
    with django_db_blocker.unblock():
        replaced = sign_in(OWNER)
        teardown_databases(config, verbosity=0)
        sign_in(replaced)


@pytest.fixture
def committed_db(django_db_setup: None, django_db_blocker) -> Iterator[None]:
    """Database access with real commits, for tests that need several connections."""
    with django_db_blocker.unblock():
        assert connection.settings_dict["NAME"].startswith("test_"), "not the test database"
        yield
        connections.close_all()
