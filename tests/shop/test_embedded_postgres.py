"""The embedded Postgres of `make run` comes up after an unclean stop (power loss, SIGKILL of
its postmaster): it waits, saying for what, while the killed server's backends finish,
while the cluster recovers, and until Postgres accepts connections, and it keeps what
was committed.

Each test starts a Postgres of its own on a data directory under `.run/`: under root it
runs as another user, which must reach the directory, and other pytest sessions on the
machine make `/tmp/pytest-of-root` private again as they start.
"""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from shop.devstack.services import POSTGRES_READY_SECONDS, RUN_DIR, EmbeddedPostgres

pytestmark = pytest.mark.integration

LONG_QUERY = "SELECT sum(i) FROM generate_series(1, 20000000) AS i"
"""Seconds of work in which a backend never looks whether its postmaster lives."""


def embedded(home: Path) -> EmbeddedPostgres:
    return EmbeddedPostgres(data_dir=home / "pg", log_file=home / "pg.log")


@pytest.fixture
def home() -> Iterator[Path]:
    """A directory of the test's own for a Postgres's data and log."""
    RUN_DIR.mkdir(exist_ok=True)
    path = Path(tempfile.mkdtemp(prefix="test-pg-", dir=RUN_DIR))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def run_long_query(url: str) -> threading.Thread:
    def query() -> None:
        try:
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute(LONG_QUERY)
        except psycopg.Error:
            pass  # its server is killed under it

    thread = threading.Thread(target=query, daemon=True)
    thread.start()
    return thread


def wait_until_running(url: str, query: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    with psycopg.connect(url, autocommit=True) as conn:
        while time.monotonic() < deadline:
            active = "SELECT 1 FROM pg_stat_activity WHERE state = 'active' AND query = %s"
            if conn.execute(active, [query]).fetchone():
                return
            time.sleep(0.05)
    pytest.fail(f"{query!r} did not start within {timeout}s")


@pytest.fixture
def killed(home: Path) -> Iterator[EmbeddedPostgres]:
    """A Postgres that committed a row, then lost its postmaster to SIGKILL while one of
    its backends ran a long query (that backend runs on, orphaned, until it ends)."""
    postgres = embedded(home)
    postgres.start()
    with psycopg.connect(postgres.owner_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE kept (note text)")
        conn.execute("INSERT INTO kept VALUES ('committed before the kill')")
    running = run_long_query(postgres.owner_url)
    wait_until_running(postgres.owner_url, LONG_QUERY)
    os.kill(postgres.proc.pid, signal.SIGKILL)
    postgres.proc.wait()
    yield postgres
    running.join(60)


def test_a_postgres_whose_postmaster_was_killed_comes_up_again(
    killed: EmbeddedPostgres, home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    again = embedded(home)

    try:
        again.start()
        with psycopg.connect(again.owner_url) as conn:
            kept = conn.execute("SELECT note FROM kept").fetchall()
    finally:
        again.stop()

    assert kept == [("committed before the kill",)]
    said = capsys.readouterr().out.splitlines()
    assert said[:2] == [
        f"Postgres in {killed.data_dir} was not shut down cleanly (in production): it"
        " recovers first, which may take a while.",
        f"Waiting for the processes of the Postgres killed on {killed.data_dir} to exit"
        f" (they hold its shared memory; up to {POSTGRES_READY_SECONDS} s)...",
    ]
