"""Test fixtures shared by the whole suite.

Tests run against the real Postgres and Redis that `make test` provides. The events table
refuses TRUNCATE, so tests never flush the database: each test writes to fresh streams
and reads only what it wrote (or what came after the head it saw first).

The owner creates and migrates the test database and grants the application's role; the
suite then runs as that role, as the servers do, and a test marked `database_owner` runs
as the owner (tests/database_roles.py).
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.db import connection, connections

from eventstore.subscribers import Receptor
from tests.database_roles import APP, OWNER, sign_in
from tests.integration.processes import Celery, SharedCelery, purge_wake_ups

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


@pytest.fixture(autouse=True)
def receptors_step_by_step(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """In the test's own process, receptors act only when the test runs them, so a test
    can look at each step of the ordering process. Worker processes a test starts run
    them inline, as deployed, and so does this process for a test marked
    `inline_receptors`."""
    if not request.node.get_closest_marker("inline_receptors"):
        monkeypatch.setattr(Receptor, "inline_up_to", 0)


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


@pytest.fixture(scope="session")
def shared_celery(
    django_db_setup: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SharedCelery]:
    """The one holder of the processes `shared_worker` and `shared_worker_and_beat` hand
    on; defined here alone, so that every folder's tests use the same one."""
    shared = SharedCelery(tmp_path_factory.mktemp("shared-celery"))
    yield shared
    shared.stop()


@contextlib.contextmanager
def handed_on(
    shared: SharedCelery, request: pytest.FixtureRequest, kinds: tuple[str, ...]
) -> Iterator[list[Celery]]:
    """The shared processes for this test. After it they are handed on if the next test
    asks for the same fixture and this one passed; otherwise they are stopped, as
    `celery_processes` stops its own. Wake-ups left queued are purged first."""
    failed = request.session.testsfailed
    purge_wake_ups()
    yield shared.get(kinds)
    items = request.session.items
    following = items.index(request.node) + 1
    wanted = following < len(items) and request.fixturename in items[following].fixturenames
    if not wanted or request.session.testsfailed != failed:
        shared.stop()


@pytest.fixture
def shared_worker(
    committed_db: None, shared_celery: SharedCelery, request: pytest.FixtureRequest
) -> Iterator[Celery]:
    """A real Celery worker for the test database, which may have served the test before
    (see `handed_on`). A test that needs a worker to start, stop or die at a moment of its
    choosing starts its own (`celery_processes`)."""
    with handed_on(shared_celery, request, ("worker",)) as (worker,):
        yield worker


@pytest.fixture
def shared_worker_and_beat(
    committed_db: None, shared_celery: SharedCelery, request: pytest.FixtureRequest
) -> Iterator[tuple[Celery, Celery]]:
    """A real worker and beat (the sweeper), shared as `shared_worker` is."""
    with handed_on(shared_celery, request, ("worker", "beat")) as (worker, beat):
        yield worker, beat
