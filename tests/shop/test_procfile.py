"""The Procfile: honcho reads it, every command's program and module exist, and the
servers take the options `make run` gives them (shop/devstack/servers.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from honcho.environ import parse_procfile

import shop
from shop.celery import RELAY_WORKER
from shop.devstack.servers import http_server, websocket_server

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PROCESSES = ["web", "websocket", "worker", "relay", "beat"]


def procfile() -> dict[str, str]:
    return dict(parse_procfile((ROOT / "Procfile").read_text()).processes)


def argv(command: str) -> list[str]:
    """The command's arguments as the shell honcho starts it with makes them."""
    script = f'set -- {command}; printf "%s\\n" "$@"'
    env = {"PATH": os.environ["PATH"], "PORT": "5000"}
    shell = subprocess.run(["sh", "-c", script], env=env, capture_output=True, text=True)
    assert shell.returncode == 0, shell.stderr
    return shell.stdout.splitlines()


def options(args: list[str]) -> set[str]:
    return {arg for arg in args if arg.startswith("--")}


def test_the_procfile_runs_the_five_processes_of_make_run() -> None:
    assert list(procfile()) == PROCESSES


@pytest.mark.parametrize("name", PROCESSES)
def test_each_program_is_installed(name: str) -> None:
    program = argv(procfile()[name])[0]

    assert os.access(BIN / program, os.X_OK), f"{program} is not in {BIN}"


@pytest.mark.parametrize("name", ["web", "websocket"])
def test_each_server_serves_an_application_that_imports(name: str) -> None:
    """In a process of its own, as the server imports it (and registers its exit hooks)."""
    [target] = [arg for arg in argv(procfile()[name]) if ":" in arg and "." in arg]
    module, _, attribute = target.partition(":")
    check = f"import {module}; assert callable({module}.{attribute})"

    imported = subprocess.run([sys.executable, "-c", check], cwd=ROOT, capture_output=True)

    assert imported.returncode == 0, imported.stderr.decode()


@pytest.mark.parametrize("name", ["worker", "relay", "beat"])
def test_each_celery_process_names_the_shop_app(name: str) -> None:
    args = argv(procfile()[name])

    assert args[:3] == ["celery", "-A", "shop"]
    assert shop.celery_app.main == "shop"


def test_the_servers_take_the_options_make_run_gives_them() -> None:
    web, websocket = argv(procfile()["web"]), argv(procfile()["websocket"])

    assert options(web) == options(http_server(5000))
    assert options(websocket) == options(websocket_server(5000))
    assert web[web.index("--port") + 1] == websocket[websocket.index("--port") + 1] == "5000"


def test_the_relay_worker_serves_the_relay_queue_with_threads() -> None:
    args = argv(procfile()["relay"])

    assert args[args.index("-n") + 1] == f"{RELAY_WORKER}%h"
    assert args[args.index("-P") + 1] == "threads"


def test_honcho_finds_the_procfile_valid() -> None:
    checked = subprocess.run(
        [str(BIN / "honcho"), "check"], cwd=ROOT, capture_output=True, text=True
    )

    assert checked.returncode == 0, checked.stderr
    assert "Valid procfile detected (web, websocket, worker, relay, beat)" in checked.stderr
