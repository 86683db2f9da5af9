"""The two servers the API figures compare, with the same number of processes.

Shop runs as `make run` runs it (`shop.devstack.servers.http_server`: granian's WSGI
interface, one process per core unless SHOP_WEB_WORKERS says otherwise, all middleware
on, throttles on with a rate too high to refuse). The bare app (`bench.bare_app:app`) is
served by the same granian, through its ASGI interface, with as many processes. Each
runs in a session of its own, stopped with its process group. No Celery worker runs: a
202 only writes the inbox row, so a worker would only compete for the cores with the
server being measured.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from bench.databases import current_url
from shop.devstack.servers import http_server, web_workers
from shop.devstack.services import die_with_parent, free_port

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
STARTUP_SECONDS = 60
STOP_SECONDS = 15
UNTHROTTLED = "100000000/second"
"""The bench customer's API rate: 429s would end requests early and flatter the figure."""


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (OSError, urllib.error.HTTPError):
        return False


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, 15)
        try:
            process.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, 9)
            process.wait()


@contextlib.contextmanager
def server(args: list[str], port: int, health: str, log: Path, **env: str) -> Iterator[int]:
    """The server `args` start, with `env` added; yields `port` once `health` answers
    200. Both servers get the bench database and an unthrottled API."""
    log.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "DATABASE_URL": current_url(), "BENCH_BARE_DATABASE_URL": current_url(),
           "SHOP_API_USER_RATE": UNTHROTTLED, "PYTHONUNBUFFERED": "1", **env}  # fmt: skip
    with log.open("ab") as sink:
        process = subprocess.Popen(
            args, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=sink,
            stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=die_with_parent,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while not _healthy(f"http://127.0.0.1:{port}{health}"):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{args[:4]} did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        yield port
    finally:
        _stop(process)


@contextlib.contextmanager
def both_servers(log_dir: Path) -> Iterator[tuple[int, int]]:
    """Shop's port and the bare app's, both up until the block ends."""
    workers = web_workers()
    shop_port, bare_port = free_port(), free_port()
    bare = http_server(bare_port, "bench.bare_app:app", interface="asgi", workers=workers)
    with (
        server(http_server(shop_port), shop_port, "/api/health/live", log_dir / "shop.log") as shop,
        server(bare, bare_port, "/bare/health", log_dir / "bare.log") as bare,
    ):
        yield shop, bare
