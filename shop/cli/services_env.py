"""The shell tools find the services of a running `make run` by themselves.

While it is up, `make run` writes `.run/services.env`: the URLs and secret key it runs
with. A shell tool started without DATABASE_URL reads that file once its services answer,
so nobody has to source it first; otherwise the tool says in one line what to do and
exits, before Django loads settings that would fail with a traceback.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import socket
import sys
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
VARIABLES = ("DATABASE_URL", "REDIS_URL", "SHOP_SECRET_KEY")
"""What `make run` hands the shell tools."""
DATABASE_TOOLS = frozenset({"cart", "stream", "lag", "verify", "rebuild"})
API_TOOLS = frozenset({"simulate"})
"""Tools that talk to a server's REST API alone: they need settings, not a database."""
WHAT_TO_DO = (
    "start `make run` in another terminal, or set DATABASE_URL, REDIS_URL and SHOP_SECRET_KEY"
)


class NoServices(Exception):
    """A shell tool has no services to reach; the message says what to do."""


def services_env_path(environ: Mapping[str, str] = os.environ) -> Path:
    """Where `make run` writes the tools' environment: SHOP_SERVICES_ENV, or `.run/`'s."""
    return Path(environ.get("SHOP_SERVICES_ENV") or ROOT / ".run" / "services.env")


def render(env: Mapping[str, str]) -> str:
    """The file's text: one `export NAME=value` a variable, for a shell to source too."""
    return "".join(f"export {name}={shlex.quote(env[name])}\n" for name in VARIABLES)


def parse(text: str) -> dict[str, str]:
    """The variables of a file `render` wrote."""
    found = {}
    for line in text.splitlines():
        words = shlex.split(line)
        if len(words) == 2 and words[0] == "export" and "=" in words[1]:
            name, value = words[1].split("=", 1)
            found[name] = value
    return found


def answers(url: str | None) -> bool:
    """Whether the server `url` names accepts a connection (a Unix socket is trusted)."""
    if not url:
        return False
    parts = urlsplit(url)
    if not parts.hostname:
        return True
    with contextlib.suppress(OSError, ValueError):
        port = parts.port or (6379 if parts.scheme.startswith("redis") else 5432)
        socket.create_connection((parts.hostname, port), timeout=1).close()
        return True
    return False


def from_a_running_stack(environ: Mapping[str, str]) -> dict[str, str]:
    """The variables of the `make run` that is up, for those `environ` leaves unset."""
    path = services_env_path(environ)
    if not path.exists():
        raise NoServices(f"no `make run` is up (no {relative(path)}): {WHAT_TO_DO}")
    found = parse(path.read_text())
    silent = [name for name in ("DATABASE_URL", "REDIS_URL") if not answers(found.get(name))]
    if silent:
        raise NoServices(
            f"the `make run` of {relative(path)} is not up ({' and '.join(silent)}"
            f" {'do' if len(silent) > 1 else 'does'} not answer): {WHAT_TO_DO}"
        )
    return {name: value for name, value in found.items() if not environ.get(name)}


def environment_for(tool: str, environ: Mapping[str, str]) -> dict[str, str]:
    """What `tool` adds to `environ` before it starts; NoServices when it cannot run."""
    if environ.get("DATABASE_URL"):
        url = environ["DATABASE_URL"]
        if tool in DATABASE_TOOLS and not answers(url):
            where = urlsplit(url)
            raise NoServices(
                f"the Postgres of DATABASE_URL ({where.hostname}:{where.port or 5432}) does"
                " not answer: start it, or unset DATABASE_URL to use `make run`'s"
            )
        return {}
    try:
        return from_a_running_stack(environ)
    except NoServices:
        if tool in API_TOOLS:
            return {}  # settings may still load (SHOP_SECRET_KEY set); the API is its target
        raise


def relative(path: Path) -> str:
    """`path` from the checkout's root when it is inside it, as a user would type it."""
    with contextlib.suppress(ValueError):
        return str(path.relative_to(ROOT))
    return str(path)


def prepare(argv: list[str]) -> None:
    """Called by `manage.py` before Django starts: a shell tool gets `make run`'s services,
    or one line on stderr saying what to do and exit status 1."""
    tool = argv[1] if len(argv) > 1 else ""
    if tool not in DATABASE_TOOLS | API_TOOLS:
        return
    try:
        os.environ.update(environment_for(tool, os.environ))
        load_settings()
        if tool in DATABASE_TOOLS:
            check_migrated()
    except NoServices as problem:
        sys.exit(f"manage.py {tool}: {problem}")


def load_settings() -> None:
    """Load Django's settings now, so a missing one is told in a line, not a traceback."""
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    try:
        settings.INSTALLED_APPS  # noqa: B018  the first read imports the settings module
    except ImproperlyConfigured as error:
        raise NoServices(str(error)) from None


def check_migrated() -> None:
    """A database tool on a database that lacks Shop's tables, or some of its migrations,
    says so in a line instead of failing on the first table it reads."""
    import django
    from django.db import DatabaseError, connection
    from django.db.migrations.executor import MigrationExecutor

    django.setup()
    try:
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as error:
        raise NoServices(
            f"cannot read the database: {str(error).strip().splitlines()[0]}"
        ) from None
    finally:
        connection.close()
    if plan:
        first = plan[0][0]
        raise NoServices(
            f"the database of DATABASE_URL lacks {len(plan)} of Shop's migrations (the first"
            f" is {first.app_label}.{first.name}): run `manage.py migrate` as its owner"
        )
