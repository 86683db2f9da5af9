"""Real Celery workers and beats as subprocesses, pointed at the test database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from uuid import UUID

import psutil
import redis
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
CELERY = str(Path(sys.executable).with_name("celery"))


def test_database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgresql://{auth}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def child_env(redis_url: str | None = None, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": test_database_url(),
        "REDIS_URL": redis_url or settings.REDIS_URL,
        "SHOP_SWEEP_SECONDS": "0.5",
        "PYTHONUNBUFFERED": "1",
        **extra,
    }


class Celery:
    """One `celery worker` or `celery beat` process, started in its own process group."""

    def __init__(
        self,
        kind: str,
        log_dir: Path,
        redis_url: str | None = None,
        n: int = 0,
        env: dict[str, str] | None = None,
        name: str | None = None,
    ):
        self.kind = kind
        self.env = env or {}
        self.name = name  # a worker's node name (--hostname), as each host would have its own
        self.log = log_dir / f"{kind}-{n}.log"
        self.schedule = log_dir / f"beat-{n}-schedule"
        self.redis_url = redis_url
        self.proc: subprocess.Popen | None = None

    def start(self, concurrency: int = 2) -> Celery:
        args = [CELERY, "-A", "shop", self.kind, "--loglevel", "INFO"]
        if self.kind == "worker":
            args += ["--concurrency", str(concurrency), "--without-gossip", "--without-mingle"]
            args += ["--hostname", self.name] if self.name else []
        else:
            args += ["--schedule", str(self.schedule)]
        self.proc = subprocess.Popen(
            args,
            cwd=ROOT,
            env=child_env(self.redis_url, **self.env),
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return self

    def kill(self) -> None:
        """SIGKILL the whole process group: the main process and its pool children."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def stop(self) -> None:
        stop_all([self])

    def ask_to_stop(self) -> None:
        """SIGTERM the whole process group (a warm shutdown) without waiting for it."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)

    def wait_stopped(self) -> None:
        if self.proc and self.proc.poll() is None:
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()
        for child in psutil.process_iter(["pid", "ppid"]):
            if self.proc and child.info["ppid"] == self.proc.pid:
                child.kill()


def stop_all(processes: Iterable[Celery]) -> None:
    """Stop processes side by side: a warm shutdown takes a second or two each."""
    processes = list(processes)
    for process in processes:
        process.ask_to_stop()
    for process in processes:
        process.wait_stopped()


def purge_wake_ups() -> None:
    """Wake-ups left queued by earlier tests would only delay this one."""
    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    client = redis.Redis.from_url(settings.REDIS_URL)
    client.delete(queue, *client.keys(f"{queue}:wake:*"))


class SharedCelery:
    """A worker, or a worker and a beat, that one test hands on to the next test when
    that one asks for the same processes: starting them and their warm shutdown take
    seconds each. Any other next test finds them stopped."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.kinds: tuple[str, ...] = ()
        self.processes: list[Celery] = []
        self.started = 0

    def get(self, kinds: tuple[str, ...]) -> list[Celery]:
        """These processes, running: those handed on, or new ones."""
        running = all(p.proc is not None and p.proc.poll() is None for p in self.processes)
        if kinds != self.kinds or not running:
            self.stop()
            self.processes = [
                Celery(kind, self.log_dir, n=self.started + i).start()
                for i, kind in enumerate(kinds)
            ]
            self.started += len(kinds)
            self.kinds = kinds
        return self.processes

    def stop(self) -> None:
        stop_all(self.processes)
        self.processes, self.kinds = [], ()


def wait_until_executed(command_ids: Iterable[UUID], timeout: float = 90) -> None:
    ids = list(command_ids)
    deadline = time.monotonic() + timeout
    pending = len(ids)
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM eventstore_command WHERE id = ANY(%s) AND status = 'pending'",
                [ids],
            )
            pending = cursor.fetchone()[0]
        if pending == 0:
            return
        time.sleep(0.1)
    raise AssertionError(f"{pending} of {len(ids)} commands still pending after {timeout}s")


def eventually(read: Callable[[], bool], timeout: float = 30) -> None:
    """For what the receptors do after a command: `after` waits for one command only."""
    deadline = time.monotonic() + timeout
    while not read():
        assert time.monotonic() < deadline, "still not so"
        time.sleep(0.05)


def wait_for_lag_zero(name: str, timeout: float = 60) -> None:
    from eventstore.subscribers import lag

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if lag()[name] == 0:
            return
        time.sleep(0.1)
    raise AssertionError(f"{name} still lags by {lag()[name]} after {timeout}s")


def wait_until_quiet(timeout: float = 120) -> None:
    """Wait until no due command is pending and every subscriber is at the head: the
    receptors' chains of commands have all run."""
    from eventstore.subscribers import lag

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM eventstore_command"
                " WHERE status = 'pending' AND not_before <= now()"
            )
            pending = cursor.fetchone()[0]
        if pending == 0 and not any(lag().values()):
            return
        time.sleep(0.1)
    raise AssertionError(f"still busy after {timeout}s: {pending} pending, lag {lag()}")
