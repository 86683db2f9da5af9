"""The server processes that answer clients, one definition for `make run`, the tests'
running system and `make bench`.

- HTTP: granian's WSGI interface serving `shop.wsgi`: `web_workers()` processes of
  `web_threads()` threads each. Each request runs on one thread from start to end
  through Django's middleware and view, and granian's HTTP layer (Rust) parses and
  writes outside the GIL. Chosen by measurement (docs/benchmarks.md, "One request path").
- Websockets: uvicorn serving `shop.asgi` (Channels) on a port of its own; it answers
  HTTP too, through Django's ASGI handler, so the pages it serves open the feed on their
  own origin. Pages from the HTTP port are told the feed's port (SHOP_WEBSOCKET_PORT).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

BIN = Path(sys.executable).parent
WEB_THREADS = 8
"""Threads per HTTP process: enough to keep a core busy while others wait on Postgres
or Redis. Each holds at most one pooled connection (SHOP_DB_POOL_SIZE, at least this)."""

UVICORN_OPTIONS = ("--ws-max-size", "4096", "--no-proxy-headers")
"""Shop's sockets take no frames from clients (`shop.websocket_guard` closes on any), so
uvicorn closes on a frame over 4 KiB (1009) before reading it whole. uvicorn would also
believe X-Forwarded-For from loopback peers; Shop decides that itself
(`shop.client_address`, `SHOP_TRUSTED_PROXIES`), so uvicorn keeps the socket's peer."""


def cores() -> int:
    """The cores this process may run on (a container's share, not the host's)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def web_workers() -> int:
    """HTTP server processes: SHOP_WEB_WORKERS, else one per core."""
    return int(os.environ.get("SHOP_WEB_WORKERS") or cores())


def web_threads() -> int:
    return int(os.environ.get("SHOP_WEB_THREADS") or WEB_THREADS)


def http_server(
    port: int,
    app: str = "shop.wsgi:application",
    *,
    interface: str = "wsgi",
    workers: int | None = None,
    threads: int | None = None,
    access_log: bool = False,
) -> list[str]:
    """granian serving `app` on 127.0.0.1:`port` (the bench runs its bare ASGI app the
    same way, with `interface="asgi"`)."""
    args = [str(BIN / "granian"), "--interface", interface, app,
            "--host", "127.0.0.1", "--port", str(port),
            "--workers", str(workers or web_workers()), "--no-ws",
            "--respawn-failed-workers", "--log-level", "warning"]  # fmt: skip
    if interface == "wsgi":
        args += ["--blocking-threads", str(threads or web_threads())]
    return args + (["--access-log"] if access_log else [])


def websocket_server(port: int, app: str = "shop.asgi:application") -> list[str]:
    """uvicorn serving `app` (websockets, and HTTP through Django's ASGI handler)."""
    return [str(BIN / "uvicorn"), app, "--host", "127.0.0.1", "--port", str(port),
            "--no-access-log", *UVICORN_OPTIONS]  # fmt: skip


def with_site_origins(env: dict[str, str], port: str) -> dict[str, str]:
    """The websocket server's environment: the pages on the HTTP port are another origin
    (another port), which it trusts as Django trusts any: SHOP_TRUSTED_ORIGINS."""
    hosts = [h for h in env.get("SHOP_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
    site = [f"http://{host}:{port}" for host in hosts if host != "*" and not host.startswith(".")]
    trusted = [o for o in env.get("SHOP_TRUSTED_ORIGINS", "").split(",") if o] + site
    return {**env, "SHOP_TRUSTED_ORIGINS": ",".join(trusted)}
