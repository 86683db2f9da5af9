"""The live stack for the latency figures (the ASGI server, one Celery worker, and beat
for the sustained load, and the relay's worker of threads for the webhook figures), and
the Celery worker nodes and beat for the process figures, as `make run` starts them,
against the benchmark's database and the dev Redis.

The children inherit DJANGO_SETTINGS_MODULE, so in `python -m bench` they use the bench
settings (a Celery queue and a channel-layer prefix of the benchmark's own) and in the
test suite the suite's. Each starts in a session of its own and is stopped with its
whole process group (the worker's pool children too).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import redis
from django.conf import settings

from bench.databases import current_url
from shop.celery import relay_queue
from shop.devstack.services import die_with_parent, free_port

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
WORKER_CONCURRENCY = 2  # what `make run` passes
STARTUP_SECONDS = 60
STOP_SECONDS = 15


@dataclass
class Processes:
    """Child processes started for a figure, each logging to a file in `log_dir`."""

    log_dir: Path
    processes: list[subprocess.Popen] = field(default_factory=list)

    def logs(self) -> str:
        return "\n".join(
            f"--- {log.name}\n{log.read_text(errors='replace')[-3000:]}"
            for log in sorted(self.log_dir.glob("*.log"))
        )

    def check_running(self) -> None:
        for process in self.processes:
            if process.poll() is not None:
                raise RuntimeError(f"{process.args[0]} exited early:\n{self.logs()}")


@dataclass
class Stack(Processes):
    port: int = 0
    relay: subprocess.Popen | None = None
    """The relay's worker, when the stack has one."""

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def worker_group(self) -> int:
        """The Celery worker's process group: its main process and its pool children."""
        return self.processes[1].pid  # started second, after uvicorn


@dataclass
class Workers(Processes):
    """Celery worker nodes, each started as `make run` starts its one, and beat."""

    nodes: list[subprocess.Popen] = field(default_factory=list)
    include: tuple[str, ...] = ()
    """Task modules each node imports beside Shop's (`celery worker --include`)."""

    @property
    def groups(self) -> list[int]:
        """The nodes' process groups: each node's main process and its pool children."""
        return [node.pid for node in self.nodes]

    def start_node(self) -> None:
        """One more node, on a name of its own; returns once it says it is ready."""
        number = len(self.nodes) + 1
        log = self.log_dir / f"worker-{number}.log"
        logged = log.stat().st_size if log.exists() else 0
        node = _spawn(worker_command(f"bench{number}@%h", self.include), log)
        self.processes.append(node)
        self.nodes.append(node)
        deadline = time.monotonic() + STARTUP_SECONDS
        while b" ready." not in log.read_bytes()[logged:]:
            self.check_running()
            if time.monotonic() > deadline:
                raise RuntimeError(f"worker {number} never said it was ready:\n{self.logs()}")
            time.sleep(0.2)


def worker_command(node: str | None = None, include: tuple[str, ...] = ()) -> list[str]:
    """`make run`'s worker command (its concurrency); `node` names it beside others, and
    `include` adds task modules of the benchmark's own."""
    args = [str(BIN / "celery"), "-A", "shop", "worker", "--loglevel", "INFO", "--concurrency",
            str(WORKER_CONCURRENCY), "--without-gossip", "--without-mingle"]  # fmt: skip
    args += ["--include", ",".join(include)] if include else []
    return args + (["--hostname", node] if node else [])


def relay_command() -> list[str]:
    """`make run`'s relay worker: threads on the relay's queue (`shop.celery.route`),
    SHOP_WEBHOOK_THREADS of them."""
    return [str(BIN / "celery"), "-A", "shop", "worker", "-n", "relay@%h", "-P", "threads",
            "--concurrency", str(settings.SHOP_WEBHOOK_THREADS), "--loglevel", "INFO",
            "--without-gossip", "--without-mingle"]  # fmt: skip


def beat_command(log_dir: Path) -> list[str]:
    """`make run`'s beat command, its schedule file in `log_dir`."""
    return [str(BIN / "celery"), "-A", "shop", "beat", "--loglevel", "INFO",
            "--schedule", str(log_dir / "celerybeat-schedule")]  # fmt: skip


def purge_wakeups() -> None:
    """Drop wake-ups queued for this settings' Celery queues (the relay's too), and their
    coalescing flags: a flag whose message is gone would hold back new wake-ups for
    seconds."""
    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    client = redis.Redis.from_url(settings.REDIS_URL)
    client.delete(queue, relay_queue(), *client.keys(f"{queue}:wake:*"))


def _spawn(args: list[str], log: Path, extra: dict[str, str] | None = None) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": current_url(), "PYTHONUNBUFFERED": "1", **(extra or {})}
    with log.open("ab") as sink:
        return subprocess.Popen(
            args, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=sink,
            stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=die_with_parent,
        )  # fmt: skip


def _stop(processes: list[subprocess.Popen]) -> None:
    """Stop every process group side by side: a worker's warm shutdown takes a second or
    two, and each need not wait for the last."""
    for process in processes:
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_SECONDS
    for process in processes:
        try:
            process.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (OSError, urllib.error.HTTPError):
        return False


@contextlib.contextmanager
def running_stack(
    log_dir: Path, beat: bool = False, relay: bool = False, env: dict[str, str] | None = None
) -> Iterator[Stack]:
    """uvicorn on a free port and `celery worker`, with `beat` Celery beat (the sweeper)
    and with `relay` the relay's worker of threads, as `make run` starts them, each with
    `env` added to its environment, up until the block ends.

    Ready once /api/health/live answers 200; the workers prove themselves when the caller's
    first commands execute and its first webhooks arrive.
    """
    log_dir.mkdir(parents=True, exist_ok=True)
    stack = Stack(log_dir, port=free_port())
    uvicorn = [str(BIN / "uvicorn"), "shop.asgi:application", "--host", "127.0.0.1",
               "--port", str(stack.port), "--no-access-log"]  # fmt: skip
    try:
        stack.processes.append(_spawn(uvicorn, log_dir / "uvicorn.log", env))
        stack.processes.append(_spawn(worker_command(), log_dir / "worker.log", env))
        if beat:
            stack.processes.append(_spawn(beat_command(log_dir), log_dir / "beat.log", env))
        if relay:
            stack.relay = _spawn(relay_command(), log_dir / "relay.log", env)
            stack.processes.append(stack.relay)
        deadline = time.monotonic() + STARTUP_SECONDS
        while not _healthy(f"{stack.origin}/api/health/live"):
            stack.check_running()
            if time.monotonic() > deadline:
                raise RuntimeError(f"the ASGI server never became healthy:\n{stack.logs()}")
            time.sleep(0.2)
        yield stack
    finally:
        _stop(stack.processes)


@contextlib.contextmanager
def running_workers(log_dir: Path, include: tuple[str, ...] = ()) -> Iterator[Workers]:
    """Celery beat (the sweeper) and one worker node, ready, as `make run` starts them, up
    until the block ends; `Workers.start_node` adds more nodes meanwhile."""
    log_dir.mkdir(parents=True, exist_ok=True)
    workers = Workers(log_dir, include=include)
    try:
        workers.processes.append(_spawn(beat_command(log_dir), log_dir / "beat.log"))
        workers.start_node()
        yield workers
    finally:
        _stop(workers.processes)
