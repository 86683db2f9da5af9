"""The shell tools without DATABASE_URL: they read the services of the `make run` that is up
from its services file, and otherwise say in one line what to do, with no traceback.

Each runs as a user runs it, `manage.py TOOL` with Shop's own settings, from an environment
without DATABASE_URL, REDIS_URL and SHOP_SECRET_KEY; SHOP_SERVICES_ENV points the tools at
a services file of the test's own instead of `.run/services.env`.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from eventstore.store import store
from shop.cli.services_env import VARIABLES, render
from shop.devstack.services import ROOT, free_port
from tests.integration import processes

pytestmark = pytest.mark.integration

WHAT_TO_DO = (
    "start `make run` in another terminal, or set DATABASE_URL, REDIS_URL and SHOP_SECRET_KEY"
)
TOOLS = {
    "cart": ["cart", "show"],
    "stream": ["stream", str(uuid.uuid4())],
    "lag": ["lag"],
    "verify": ["verify"],
    "rebuild": ["rebuild", "--all"],
}
"""The database's shell tools, each with arguments that would run it."""


def tool(*args: str, services_env: Path, **env: str) -> subprocess.CompletedProcess:
    """`manage.py` with `args`, from a shell that set none of the services' variables."""
    bare = {name: value for name, value in os.environ.items() if name not in VARIABLES}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**bare, "DJANGO_SETTINGS_MODULE": "shop.settings",
             "SHOP_SERVICES_ENV": str(services_env), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )  # fmt: skip


@pytest.fixture
def services_env(tmp_path: Path) -> Path:
    return tmp_path / "services.env"


@pytest.fixture
def running_stack(services_env: Path) -> Path:
    """The services file of a `make run` that is up: the test database and Redis."""
    services = {
        "DATABASE_URL": processes.test_database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "SHOP_SECRET_KEY": "the-secret-key-of-make-run",
    }
    services_env.write_text(render(services))
    return services_env


def test_a_tool_reads_the_services_of_the_make_run_that_is_up(
    committed_db: None, running_stack: Path
) -> None:
    run = tool("lag", services_env=running_stack)

    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[0] == f"head {store.head_position()}"
    assert run.stderr == ""


def test_simulate_takes_the_secret_key_of_the_make_run_that_is_up(running_stack: Path) -> None:
    run = tool("simulate", "--help", services_env=running_stack)

    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("usage: manage.py simulate")


@pytest.mark.parametrize("args", TOOLS.values(), ids=TOOLS.keys())
def test_without_a_make_run_a_tool_says_what_to_do_in_one_line(
    args: list[str], services_env: Path
) -> None:
    run = tool(*args, services_env=services_env)

    assert run.returncode == 1
    assert run.stderr == (
        f"manage.py {args[0]}: no `make run` is up (no {services_env}): {WHAT_TO_DO}\n"
    )
    assert run.stdout == ""


def test_without_a_make_run_simulate_says_what_it_lacks_in_one_line(
    services_env: Path,
) -> None:
    run = tool("simulate", "--url", "http://127.0.0.1:9", services_env=services_env)

    assert run.returncode == 1
    assert run.stderr == (
        "manage.py simulate: SHOP_SECRET_KEY is not set: give every Shop process the same"
        " secret key (or set SHOP_DEBUG=1 for a throwaway one)\n"
    )
    assert run.stdout == ""


def test_the_services_file_of_a_make_run_that_is_gone_is_not_read(services_env: Path) -> None:
    """Killed, a `make run` leaves its file behind; its ports answer no more."""
    gone = {
        "DATABASE_URL": f"postgresql://shop_app:pw@127.0.0.1:{free_port()}/shop",
        "REDIS_URL": f"redis://:pw@127.0.0.1:{free_port()}/0",
        "SHOP_SECRET_KEY": "the-secret-key-of-make-run",
    }
    services_env.write_text(render(gone))

    run = tool("lag", services_env=services_env)

    assert run.returncode == 1
    assert run.stderr == (
        f"manage.py lag: the `make run` of {services_env} is not up (DATABASE_URL and"
        f" REDIS_URL do not answer): {WHAT_TO_DO}\n"
    )
    assert run.stdout == ""


def test_a_database_url_of_the_shell_wins_over_the_services_file(
    committed_db: None, services_env: Path
) -> None:
    services_env.write_text("export DATABASE_URL=postgresql://nobody@127.0.0.1:1/none\n")

    run = tool(
        "lag", services_env=services_env, DATABASE_URL=processes.test_database_url(),
        REDIS_URL=settings.REDIS_URL, SHOP_SECRET_KEY="a-key-of-the-shell",
    )  # fmt: skip

    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[0] == f"head {store.head_position()}"


def test_a_database_url_that_does_not_answer_is_told_in_one_line(services_env: Path) -> None:
    port = free_port()

    run = tool(
        "stream", str(uuid.uuid4()), services_env=services_env,
        DATABASE_URL=f"postgresql://shop_app@127.0.0.1:{port}/shop", SHOP_SECRET_KEY="k",
    )  # fmt: skip

    assert run.returncode == 1
    assert run.stderr == (
        f"manage.py stream: the Postgres of DATABASE_URL (127.0.0.1:{port}) does not answer:"
        " start it, or unset DATABASE_URL to use `make run`'s\n"
    )
    assert run.stdout == ""


@pytest.mark.database_owner
@pytest.mark.parametrize("name", TOOLS)
def test_a_database_without_shop_s_tables_is_told_in_one_line(
    committed_db: None, services_env: Path, name: str
) -> None:
    empty = f"test_unmigrated_{uuid.uuid4().hex[:12]}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{empty}"')
    try:
        run = tool(
            *TOOLS[name], services_env=services_env,
            DATABASE_URL=processes.test_database_url().rsplit("/", 1)[0] + f"/{empty}",
            REDIS_URL=settings.REDIS_URL, SHOP_SECRET_KEY="a-key-of-the-shell",
        )  # fmt: skip
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE "{empty}"')

    assert run.returncode == 1
    lacks = f"manage.py {name}: the database of DATABASE_URL lacks "
    assert run.stderr.startswith(lacks), run.stderr
    assert run.stderr.endswith(
        " (the first is contenttypes.0001_initial): run `manage.py migrate` as its owner\n"
    ), run.stderr
    assert run.stderr.count("\n") == 1 and run.stdout == ""
