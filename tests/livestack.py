"""The running system for end-to-end tests: uvicorn servers (granian ones too, as
`make run` serves HTTP), a Celery worker and beat, all real processes against the
suite's test database and Redis.

Fixtures here are imported by the conftest of each suite that needs them.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from shop.devstack.servers import websocket_server
from shop.devstack.services import (
    ROOT,
    die_with_parent,
    free_port,
    wait_for_port,
)
from shop.tokens.keys import issue
from tests.integration.conftest import celery_processes  # noqa: F401  the real worker
from tests.integration.processes import Celery, child_env
from tests.staff import with_every_right

SERVER_ENV = {
    "SHOP_WS_HEARTBEAT_SECONDS": "2",
    "SHOP_API_USER_RATE": "100000/minute",
    "SHOP_API_ANON_RATE": "100000/minute",
}


@dataclass
class Server:
    """One server process on a fixed port, which survives a restart: a browser reconnects
    to the same address. uvicorn serving `shop.asgi` unless `command` says otherwise
    (`shop.devstack.servers.http_server`: granian serving `shop.wsgi`)."""

    log: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen | None = None
    command: Callable[[int], list[str]] = websocket_server
    env: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Server:
        self.proc = subprocess.Popen(
            self.command(self.port),
            cwd=ROOT,
            env=child_env(**{**SERVER_ENV, **self.env}),  # the test's env wins
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=die_with_parent,
        )
        wait_for_port(self.port, self.proc, f"a server on {self.port}", timeout=60)
        return self

    def stop(self) -> None:
        """SIGTERM, as a deploy does: uvicorn closes its websockets (1012) and exits;
        granian stops its workers and exits."""
        self.ask_to_stop()
        self.wait_stopped()

    def ask_to_stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)

    def wait_stopped(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@pytest.fixture(scope="session")
def demo_catalog(django_db_setup: None, django_db_blocker: Any) -> None:
    """The demo products (awesome-desktop-pc, ...), executed and baked in this process."""
    with django_db_blocker.unblock():
        call_command("seed_demo", "--wait", "--yes", stdout=open(os.devnull, "w"))  # noqa: SIM115


@pytest.fixture
def workers(shared_worker_and_beat: tuple[Celery, Celery]) -> tuple[Celery, Celery]:
    """A real Celery worker and beat (the sweeper) for the test database, which may have
    served the test before (tests/conftest.py)."""
    return shared_worker_and_beat


@pytest.fixture
def start_server(committed_db: None, tmp_path: Path) -> Iterator[Callable[..., Server]]:
    """Start servers (uvicorn, unless told otherwise: `Server`'s fields); every one is
    stopped after the test."""
    started: list[Server] = []

    def start(**options: Any) -> Server:
        server = Server(tmp_path / f"server-{len(started)}.log", **options).start()
        started.append(server)
        return server

    yield start
    for server in started:  # side by side: each closes its connections first
        server.ask_to_stop()
    for server in started:
        server.wait_stopped()


def make_user(name: str = "", *, staff: bool = False, password: str = "") -> User:
    """A committed user with a unique name (and a password, when one is given); staff
    with every back-office right."""
    user = User.objects.create_user(
        name or f"{'staff' if staff else 'customer'}-{uuid.uuid4().hex[:10]}",
        password=password or None,
        is_staff=staff,
    )
    return with_every_right(user) if staff else user


class Client:
    """A JSON client of a running server, with a user's token."""

    def __init__(self, server: Server, user: User | None = None) -> None:
        self.server = server
        self.token = issue(user).key if user else None

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Token {self.token}"
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.server.url + path, data=data, headers=headers, method=method
        )
        try:
            with urllib.request.urlopen(request, timeout=40) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")

    def write(self, method: str, path: str, body: Any = None) -> dict:
        """A write that must be accepted, then executed without a rejection."""
        status, answer = self.call(method, path, body)
        assert status == 202, (status, answer)
        status, outcome = self.call("GET", f"/api/commands/{answer['commandId']}?wait=30")
        assert (status, outcome["status"]) == (200, "done"), outcome
        return answer

    def wait_for(self, path: str, ready: Callable[[Any], bool], timeout: float = 30) -> Any:
        """GET `path` until `ready` says yes: a baker's table catching up."""
        deadline = time.monotonic() + timeout
        answer: Any = None
        while time.monotonic() < deadline:
            status, answer = self.call("GET", path)
            if status == 200 and ready(answer):
                return answer
            time.sleep(0.1)
        raise AssertionError(f"GET {path} never got ready; last answer: {answer}")
