"""`make run` for real: the runner brings up the HTTP server (granian and its workers), the
websocket server (uvicorn) on a port of its own, a Celery worker and Celery beat against
the test database and Redis, serves health, the admin and the live board, whose page
follows the feed on the websocket port, and stops every process it started when told to.

The runner gets DATABASE_URL and REDIS_URL, so it starts no embedded services of its own.
Celery beat keeps its schedule in `.run/celerybeat-schedule`.
"""

from __future__ import annotations

import contextlib
import html.parser
import http.cookiejar
import json
import os
import re
import shlex
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import psutil
import pytest
from django.conf import settings
from django.contrib.auth.models import User
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from shop.devstack.services import ROOT, die_with_parent, free_port
from shop.tokens.keys import issue
from tests.database_roles import APP, OWNER

pytestmark = pytest.mark.integration

STARTUP_TIMEOUT = 60
SHUTDOWN_TIMEOUT = 30
WORKER_CONCURRENCY = 2  # what the runner passes to `celery worker --concurrency`
WEB_WORKERS, WEB_THREADS = 2, 4  # SHOP_WEB_WORKERS, SHOP_WEB_THREADS
CLOSED_POOLS = "Closed this process's database and Redis pools"  # shop.lifespan, as each ends

T = TypeVar("T")


def url_of_the_test_database(credentials: dict[str, str] = APP) -> str:
    """DATABASE_URL for the test database pytest-django created (NAME is its name by now),
    as the application's role, or as `credentials`' role."""
    db = {**settings.DATABASES["default"], **credentials}
    quote = urllib.parse.quote
    userinfo = quote(db["USER"], safe="")
    if db["PASSWORD"]:
        userinfo += ":" + quote(db["PASSWORD"], safe="")
    host, query = db["HOST"], ""
    if host.startswith("/"):  # a Unix socket directory travels as ?host=
        host, query = "", "?" + urllib.parse.urlencode({"host": db["HOST"]})
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgresql://{userinfo}@{host}{port}/{quote(db['NAME'], safe='')}{query}"


@dataclass
class Stack:
    runner: subprocess.Popen
    port: int
    websocket_port: int
    output: Path
    admin_user: str
    admin_password: str

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    @property
    def feed(self) -> str:
        return f"ws://127.0.0.1:{self.websocket_port}/ws/order-events"

    def log(self) -> str:
        return self.output.read_text(errors="replace")


def wait_for(probe: Callable[[], T | None], timeout: float, stack: Stack, what: str) -> T:
    """Call `probe` until it returns a value; fail with the runner's output if it never does."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if stack.runner.poll() is not None:
            pytest.fail(
                f"the runner exited ({stack.runner.returncode}) before {what}:\n{stack.log()}"
            )
        result = probe()
        if result is not None:
            return result
        time.sleep(0.25)
    pytest.fail(f"no {what} within {timeout:.0f}s; the runner said:\n{stack.log()}")


def get(url: str) -> tuple[int, bytes] | None:
    """Status and body, or None while nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()
    except OSError:
        return None


def healthy(stack: Stack) -> dict | None:
    answer = get(stack.url("/api/health"))
    if answer is None or answer[0] != 200:
        return None
    return json.loads(answer[1])


def kill_group(runner: subprocess.Popen) -> None:
    """SIGKILL the runner's process group, every process it started, orphaned ones too,
    and its descendants in groups of their own (granian's)."""
    descendants: list[psutil.Process] = []
    with contextlib.suppress(psutil.NoSuchProcess):
        descendants = psutil.Process(runner.pid).children(recursive=True)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(runner.pid, signal.SIGKILL)
    for process in descendants:
        with contextlib.suppress(psutil.NoSuchProcess):
            process.kill()
    runner.wait()


@pytest.fixture
def stack(django_db_setup: None, tmp_path: Path) -> Iterator[Stack]:
    """A `python -m shop.devstack run` on free ports; killed with its whole tree afterwards."""
    port, websocket_port = free_port(), free_port()
    output = tmp_path / "runner.log"
    suffix = uuid.uuid4().hex[:8]
    env = {
        **os.environ,
        "DATABASE_URL": url_of_the_test_database(),
        "SHOP_MIGRATE_DATABASE_URL": url_of_the_test_database(OWNER),
        "REDIS_URL": settings.REDIS_URL,
        # The suite's settings, so the stack's worker serves the suite's own Celery queue.
        "DJANGO_SETTINGS_MODULE": settings.SETTINGS_MODULE,
        "PORT": str(port),
        "SHOP_WEBSOCKET_PORT": str(websocket_port),  # the next port may be taken
        "SHOP_WEB_WORKERS": str(WEB_WORKERS),
        "SHOP_WEB_THREADS": str(WEB_THREADS),
        "SHOP_WS_HEARTBEAT_SECONDS": "1",
        "SHOP_ADMIN_USER": f"staff-{suffix}",
        "SHOP_ADMIN_PASSWORD": f"devstack-{suffix}-password",
    }
    with output.open("wb") as sink:
        runner = subprocess.Popen(
            [sys.executable, "-m", "shop.devstack", "run"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, as a terminal would give it
            preexec_fn=die_with_parent,  # and gone with this test process whatever happens
        )
    try:
        yield Stack(
            runner, port, websocket_port, output, env["SHOP_ADMIN_USER"], env["SHOP_ADMIN_PASSWORD"]
        )
    finally:
        kill_group(runner)


@dataclass
class Tree:
    granian: psutil.Process
    web: list[psutil.Process]
    uvicorn: psutil.Process
    worker: psutil.Process
    pool: list[psutil.Process]
    beat: psutil.Process
    relay: psutil.Process  # the relay's worker: threads, no pool of processes

    def all(self) -> list[psutil.Process]:
        return [
            self.granian, *self.web, self.uvicorn, self.worker, *self.pool, self.beat,
            self.relay,
        ]  # fmt: skip


def role(proc: psutil.Process) -> str:
    """`granian`, `uvicorn`, `worker`, `relay` or `beat` from a child's command line."""
    try:
        args = proc.cmdline()
    except psutil.NoSuchProcess:
        return "gone"
    names = [os.path.basename(arg) for arg in args]
    for server in ("granian", "uvicorn"):
        if server in names:
            return server
    if "celery" in names:
        if any(arg.startswith("relay@") for arg in args):
            return "relay"
        return next((arg for arg in args if arg in ("worker", "beat")), "celery")
    return names[1] if len(names) > 1 else names[0]


def full_tree(stack: Stack) -> Tree | None:
    """The runner's processes once all are up: its five children, granian's workers and
    the Celery worker's pool."""
    children = psutil.Process(stack.runner.pid).children()
    by_role = {role(child): child for child in children}
    if sorted(by_role) != ["beat", "granian", "relay", "uvicorn", "worker"] or len(children) != 5:
        return None
    web, pool = by_role["granian"].children(), by_role["worker"].children()
    if len(web) != WEB_WORKERS or len(pool) != WORKER_CONCURRENCY:
        return None
    return Tree(
        by_role["granian"], web, by_role["uvicorn"], by_role["worker"], pool, by_role["beat"],
        by_role["relay"],
    )  # fmt: skip


class CsrfTokenParser(html.parser.HTMLParser):
    token = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        fields = dict(attrs)
        if tag == "input" and fields.get("name") == "csrfmiddlewaretoken":
            self.token = fields.get("value") or ""


def sign_in(stack: Stack, login: str, then: str) -> tuple[urllib.request.OpenerDirector, str]:
    """Sign in on the `login` page as the runner's staff account, asking for `then`: a
    browser with the session, and the page it landed on."""
    browser = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    with browser.open(stack.url(login), timeout=10) as page:
        parser = CsrfTokenParser()
        parser.feed(page.read().decode())
    form = urllib.parse.urlencode(
        {
            "csrfmiddlewaretoken": parser.token,
            "username": stack.admin_user,
            "password": stack.admin_password,
            "next": then,
        }
    ).encode()
    with browser.open(stack.url(login), data=form, timeout=10) as landing:
        return browser, landing.geturl()


def log_in_to_admin(stack: Stack) -> str:
    """Sign in on /admin/login/ as the runner's staff account; return the page it lands on."""
    return sign_in(stack, "/admin/login/", "/admin/")[1]


def shop_is_up(stack: Stack) -> str | None:
    """The runner's "Shop is up" block, once printed."""
    printed = stack.log()
    if "Shop is up:" not in printed:
        return None
    return printed[printed.index("Shop is up:") :].split("Ctrl-C stops everything.")[0]


def bring_up(stack: Stack) -> Tree:
    health = wait_for(lambda: healthy(stack), STARTUP_TIMEOUT, stack, "healthy /api/health")
    assert health["checks"]["database"]["status"] == "up"
    assert health["checks"]["redis"]["status"] == "up"
    assert get(stack.url("/admin/login/"))[0] == 200
    return wait_for(
        lambda: full_tree(stack), STARTUP_TIMEOUT, stack, "all of the runner's processes"
    )


def assert_everything_stops(stack: Stack, tree: Tree) -> None:
    try:
        code = stack.runner.wait(SHUTDOWN_TIMEOUT)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the runner still runs {SHUTDOWN_TIMEOUT}s after the signal:\n{stack.log()}")
    _, alive = psutil.wait_procs(tree.all(), timeout=SHUTDOWN_TIMEOUT)
    assert not alive, f"still running: {[(role(p), p.pid) for p in alive]}\n{stack.log()}"
    assert code == 0, stack.log()
    # granian's workers and uvicorn each closed their pools on the way out
    assert stack.log().count(CLOSED_POOLS) == WEB_WORKERS + 1, stack.log()


def test_run_serves_health_and_a_styled_admin_and_prints_its_urls(stack: Stack) -> None:
    bring_up(stack)

    printed_block = wait_for(lambda: shop_is_up(stack), STARTUP_TIMEOUT, stack, "Shop is up")
    feed_server_health = get(f"http://127.0.0.1:{stack.websocket_port}/api/health/live")
    assert log_in_to_admin(stack) == stack.url("/admin/")
    login_page = get(stack.url("/admin/login/"))[1].decode()
    stylesheet = re.search(r'"(/static/admin/css/base\.[0-9a-f]{12}\.css)"', login_page)
    assert stylesheet, "the admin names no collected, hashed stylesheet"
    assert get(stack.url(stylesheet.group(1)))[0] == 200
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    assert manifest.stat().st_mtime > psutil.Process(stack.runner.pid).create_time()  # collected
    assert printed_block == (
        "Shop is up:\n"
        f"  API     http://127.0.0.1:{stack.port}/api/health\n"
        f"  Admin   http://127.0.0.1:{stack.port}/admin/\n"
        f"  Board   http://127.0.0.1:{stack.port}/live\n"
        f"  Live    {stack.feed} (SHOP_WEBSOCKET_PORT)\n"
        f"  HTTP    {WEB_WORKERS} processes x {WEB_THREADS} threads"
        " (SHOP_WEB_WORKERS, SHOP_WEB_THREADS)\n"
        "  Tools   .venv/bin/python manage.py cart (stream, lag, simulate...), with the services"
        " in .run/services.env\n"
    )
    assert feed_server_health[0] == 200  # the feed's server is up too, answering HTTP
    printed = stack.log()
    waiting = (
        f"Waiting for {stack.url('/api/health')} to answer 200 and port {stack.websocket_port}"
        " to listen (up to 120 s)..."
    )
    assert printed.index(waiting) < printed.index("Shop is up:")
    assert "lifespan' protocol appears unsupported" not in printed
    tools_env = (ROOT / ".run" / "services.env").read_text()
    assert f"export DATABASE_URL={shlex.quote(url_of_the_test_database())}\n" in tools_env
    assert os.stat(ROOT / ".run" / "services.env").st_mode & 0o777 == 0o600
    assert "Demo data: not seeded on an external DATABASE_URL" in printed
    assert f"Staff account: {stack.admin_user} (password from SHOP_ADMIN_PASSWORD)" in printed
    assert stack.admin_password not in printed


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_to_the_runner_stops_every_process_it_started(
    stack: Stack, signum: signal.Signals
) -> None:
    tree = bring_up(stack)

    stack.runner.send_signal(signum)

    assert_everything_stops(stack, tree)


def test_the_board_on_the_http_port_follows_the_feed_on_the_websocket_port(
    stack: Stack, committed_db: None
) -> None:
    """The page comes from granian, which has no websockets; it names the feed's port, its
    policy lets it connect there, and the feed's server admits the page's origin."""
    bring_up(stack)
    customer = User.objects.create_user(f"devstack-{uuid.uuid4().hex[:10]}")
    token = {"Authorization": f"Token {issue(customer).key}"}  # no orders: nothing to replay

    browser, landed = sign_in(stack, "/accounts/login/", "/live")
    with browser.open(landed, timeout=10) as board:
        page, policy = board.read().decode(), board.headers["Content-Security-Policy"]
    with connect(f"{stack.feed}?after=0", origin=stack.url(""), additional_headers=token,
                 proxy=None, open_timeout=10) as socket:  # fmt: skip
        first = json.loads(socket.recv(timeout=10))
    with pytest.raises(InvalidStatus) as refused:
        connect(stack.feed, origin="http://127.0.0.1:1", additional_headers=token, proxy=None)

    assert landed == stack.url("/live")
    assert f'data-websocket-port="{stack.websocket_port}"' in page
    [connect_src] = [d.split()[1:] for d in policy.split(";") if d.split()[0] == "connect-src"]
    assert connect_src[:3] == [
        "'self'",
        f"ws://127.0.0.1:{stack.websocket_port}",
        f"wss://127.0.0.1:{stack.websocket_port}",
    ]
    assert first == {"type": "heartbeat", "position": 0}  # the replay after 0 was empty
    assert refused.value.response.status_code == 403  # another port's page


def test_ctrl_c_in_the_terminal_stops_every_process(stack: Stack) -> None:
    """A terminal's Ctrl-C signals the whole foreground process group, children included
    (but granian's main process, in a group of its own: the runner stops it)."""
    tree = bring_up(stack)

    os.killpg(stack.runner.pid, signal.SIGINT)

    assert_everything_stops(stack, tree)
