"""`python -m shop.devstack run|test|bench|services`: bring up the services, then do the job."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from shop.cli import services_env
from shop.devstack.servers import (
    http_server,
    web_threads,
    web_workers,
    websocket_server,
    with_site_origins,
)
from shop.devstack.services import (
    ROOT,
    RUN_DIR,
    ServiceError,
    Services,
    app_role,
    die_with_parent,
    owner_url,
)
from shop.secret_files import secret_in_file, write_secret_file

PYTHON = sys.executable
STARTUP_SECONDS = 120


def spawn(args: list[str], env: dict[str, str], *, own_group: bool = False) -> subprocess.Popen:
    """A child that dies with the runner; in a process group of its own when `own_group`,
    so a terminal's Ctrl-C reaches it only through the runner's stop."""
    group = 0 if own_group else None
    return subprocess.Popen(
        args, cwd=ROOT, env=env, preexec_fn=die_with_parent, process_group=group
    )


def stop_all(procs: list[subprocess.Popen], grace: float = 15) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    deadline = time.monotonic() + grace
    for proc in procs:
        try:
            proc.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True)


def migrate(env: dict[str, str]) -> None:
    """Migrate as the schema's owner, then grant the application's role (both idempotent)."""
    as_owner = {**env, "DATABASE_URL": owner_url(env)}
    manage(as_owner, "migrate", "--no-input", "-v", "0")
    role = app_role(env)
    if role:
        manage(as_owner, "grant_app_role", role)


def run(env: dict[str, str], embedded_database: bool) -> int:
    port = os.environ.get("PORT", "8000")
    env = {"SHOP_ACCESS_LOG": "1", **env}  # a line a request, unless the caller says 0
    migrate(env)
    manage(env, "collectstatic", "--no-input", "-v", "0")
    manage(env, "ensure_admin")
    if embedded_database:
        manage(env, "seed_demo", "--wait")  # idempotent: a second start changes nothing
    else:
        print("Demo data: not seeded on an external DATABASE_URL (seed_demo --yes would).")
    ws_port = int(os.environ.get("SHOP_WEBSOCKET_PORT") or int(port) + 1)
    env = {**env, "PROMETHEUS_MULTIPROC_DIR": str(fresh_metrics_dir())}
    web_env = {**env, "SHOP_WEBSOCKET_PORT": str(ws_port), "SHOP_DB_POOL_SIZE": pool_size(env)}
    bin_dir = os.path.dirname(PYTHON)
    procs = [
        # granian's workers, given the terminal's SIGINT and then their main process's
        # SIGTERM, may wait forever (granian 2.8): its main process alone is signalled.
        spawn(http_server(int(port)), web_env, own_group=True),
        spawn(websocket_server(ws_port), with_site_origins(env, port)),
        spawn([os.path.join(bin_dir, "celery"), "-A", "shop", "worker",
               "--loglevel", "INFO", "--concurrency", "2"], env),
        # The relay's worker: threads waiting on webhook receivers (shop.celery.route).
        spawn([os.path.join(bin_dir, "celery"), "-A", "shop", "worker", "-n", "relay@%h",
               "-P", "threads", "--concurrency", os.environ.get("SHOP_WEBHOOK_THREADS", "4"),
               "--loglevel", "INFO"], env),
        spawn([os.path.join(bin_dir, "celery"), "-A", "shop", "beat", "--loglevel", "INFO",
               "--schedule", str(RUN_DIR / "celerybeat-schedule")], env),
    ]  # fmt: skip
    tools_env = write_tools_env(env)
    stopping = False

    def request_stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    try:
        startup = Startup(f"http://127.0.0.1:{port}/api/health", ws_port)
        while not stopping and all(p.poll() is None for p in procs):
            if startup.came_up():
                announce(port, ws_port, tools_env)
            time.sleep(0.2)
    finally:
        stop_all(procs)
        tools_env.unlink(missing_ok=True)
    return 0 if stopping else 1


def fresh_metrics_dir() -> Path:
    """The metrics files of this run's processes (`shop.metrics`), emptied first: an
    earlier run's would be summed with theirs."""
    path = RUN_DIR / "metrics"
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


class Startup:
    """Waits, saying for what, until /api/health answers 200 and the feed's port listens;
    gives up waiting (and says so) after STARTUP_SECONDS, leaving the processes running."""

    def __init__(self, health: str, ws_port: int) -> None:
        self.health, self.ws_port = health, ws_port
        self.deadline = time.monotonic() + STARTUP_SECONDS
        self.waiting, self.last = True, "no answer"
        print(
            f"Waiting for {health} to answer 200 and port {ws_port} to listen"
            f" (up to {STARTUP_SECONDS} s)...",
            flush=True,
        )

    def came_up(self) -> bool:
        """True once, when Shop answers; False before, and after giving up."""
        if not self.waiting:
            return False
        self.last = health_status(self.health)
        if self.last == "200" and listening(self.ws_port):
            self.waiting = False
            return True
        if time.monotonic() > self.deadline:
            self.waiting = False
            print(
                f"Shop did not come up: {self.health} gave {self.last} after"
                f" {STARTUP_SECONDS} s (see the lines above). Ctrl-C stops everything.",
                flush=True,
            )
        return False


def health_status(url: str) -> str:
    """The status /api/health answers with, or "no answer"."""
    direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with direct.open(url, timeout=2) as response:
            return str(response.status)
    except urllib.error.HTTPError as error:
        return str(error.code)
    except OSError:
        return "no answer"


def listening(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
        return True
    return False


def announce(port: str, ws_port: int, tools_env: Path) -> None:
    """Where Shop answers, once it does."""
    print(
        f"\nShop is up:\n  API     http://127.0.0.1:{port}/api/health\n"
        f"  Admin   http://127.0.0.1:{port}/admin/\n"
        f"  Board   http://127.0.0.1:{port}/live\n"
        f"  Metrics http://127.0.0.1:{port}/metrics (Prometheus; docs/metrics.md)\n"
        f"  Live    ws://127.0.0.1:{ws_port}/ws/order-events (SHOP_WEBSOCKET_PORT)\n"
        f"  HTTP    {web_workers()} processes x {web_threads()} threads (SHOP_WEB_WORKERS,"
        " SHOP_WEB_THREADS)\n"
        f"  Tools   .venv/bin/python manage.py cart (stream, lag, simulate...), with the"
        f" services in {services_env.relative(tools_env)}\n"
        "Ctrl-C stops everything.\n",
        flush=True,
    )


def pool_size(env: dict[str, str]) -> str:
    """Each HTTP thread may hold one pooled connection: SHOP_DB_POOL_SIZE, at least that."""
    return str(max(int(env.get("SHOP_DB_POOL_SIZE") or 0), web_threads()))


def write_tools_env(env: dict[str, str]) -> Path:
    """`.run/services.env` while this run is up: the shell tools (`shop.cli.services_env`)
    then reach the same Postgres and Redis, even embedded ones on ports picked at start."""
    path = services_env.services_env_path(env)
    write_secret_file(path, services_env.render(env))
    return path


def test(env: dict[str, str], args: list[str]) -> int:
    bin_dir = os.path.dirname(PYTHON)
    # Importing this package set DJANGO_SETTINGS_MODULE to shop.settings (shop/celery.py);
    # pytest must take the suite's own settings from pyproject.toml instead.
    env = {key: value for key, value in env.items() if key != "DJANGO_SETTINGS_MODULE"}
    steps = [
        [os.path.join(bin_dir, "ruff"), "check", "."],
        [os.path.join(bin_dir, "ruff"), "format", "--check", "."],
        [os.path.join(bin_dir, "lint-imports")],
        [PYTHON, "-m", "pytest", *args],
    ]
    for step in steps:
        print("+", " ".join(os.path.basename(step[0]) if i == 0 else a for i, a in enumerate(step)))
        code = subprocess.run(step, cwd=ROOT, env=env).returncode
        if code:
            return code
    return 0


def bench(env: dict[str, str], args: list[str]) -> int:
    """The benchmarks create, fill and vacuum databases of their own: the owner's work."""
    env = {**env, "DATABASE_URL": owner_url(env)}
    return subprocess.run([PYTHON, "-m", "bench", *args], cwd=ROOT, env=env).returncode


def secret_key() -> str:
    """SHOP_SECRET_KEY from the environment, or the one kept in `.run/secret-key`."""
    return os.environ.get("SHOP_SECRET_KEY") or secret_in_file(RUN_DIR / "secret-key")


def service_urls(env: dict[str, str]) -> str:
    return f"DATABASE_URL={env['DATABASE_URL']}\nSHOP_MIGRATE_DATABASE_URL={owner_url(env)}\n" + (
        f"REDIS_URL={env['REDIS_URL']}"
    )


def main() -> int:
    job, args = sys.argv[1], sys.argv[2:]
    services = Services()
    try:
        try:
            env = {**os.environ, **services.start(), "PYTHONUNBUFFERED": "1"}
        except ServiceError as error:
            print(f"Shop's services did not come up: {error}", file=sys.stderr)
            return 1
        env["SHOP_SECRET_KEY"] = secret_key()
        if job == "run":
            return run(env, embedded_database=services.postgres is not None)
        if job == "test":
            return test(env, args)
        if job == "bench":
            return bench(env, args)
        if job == "services":
            print(service_urls(env), flush=True)
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
            signal.sigwait({signal.SIGINT, signal.SIGTERM})
            return 0
        if job == "env":
            print(service_urls(env))
            return 0
        print(f"unknown job {job!r}; use run, test or bench", file=sys.stderr)
        return 2
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        services.stop()


if __name__ == "__main__":
    sys.exit(main())
