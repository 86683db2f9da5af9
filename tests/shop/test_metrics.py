"""`GET /metrics` scraped from running servers (granian as `make run` serves HTTP, uvicorn
for the feed) and a real worker, sharing one PROMETHEUS_MULTIPROC_DIR as `make run`'s
processes do: what each process observed, and the backlog read from Postgres."""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pytest
from django.db import transaction
from prometheus_client.parser import text_string_to_metric_families
from websockets.sync.client import connect

from contexts.sales.management.commands.seed_demo import product_id
from eventstore.models import Checkpoint
from eventstore.store import Metadata, store
from eventstore.subscribers import Runner, registry
from shop.devstack.servers import http_server
from shop.devstack.services import ROOT
from shop.tokens.keys import issue
from tests.eventstore.events import Ticked
from tests.livestack import (  # noqa: F401  fixtures
    Client,
    Server,
    celery_processes,
    demo_catalog,
    make_user,
    start_server,
)

pytestmark = pytest.mark.integration

TOKEN = "metrics-token-for-the-tests"
REMOTE = "203.0.113.7"
NAMES = {
    "shop_commands_total",
    "shop_command_duration_seconds",
    "shop_commands_pending",
    "shop_subscriber_lag_events",
    "shop_subscriber_events_total",
    "shop_subscriber_failed",
    "shop_http_request_duration_seconds",
    "shop_websocket_connections",
    "shop_webhook_deliveries_total",
    "shop_webhook_lag_events",
}
DASHBOARD = ROOT / "docs" / "grafana-dashboard.json"


class Scrape:
    """One answer of /metrics: its status, content type and samples."""

    def __init__(self, status: int, content_type: str, body: str) -> None:
        self.status, self.content_type, self.body = status, content_type, body
        self.samples: dict[tuple[str, frozenset], float] = {}
        self.names: set[str] = set()
        if status == 200:
            for family in text_string_to_metric_families(body):
                self.names.add(family.name)
                for sample in family.samples:
                    self.names.add(sample.name)
                    self.samples[(sample.name, frozenset(sample.labels.items()))] = sample.value

    def value(self, sample: str, /, **labels: str) -> float:
        """A sample's value; 0 when it is not there (nothing observed yet)."""
        return self.samples.get((sample, frozenset(labels.items())), 0.0)


def grown(before: Scrape, after: Scrape, sample: str, **labels: str) -> float:
    return after.value(sample, **labels) - before.value(sample, **labels)


def scrape(server: Server, headers: dict[str, str] | None = None) -> Scrape:
    request = urllib.request.Request(f"{server.url}/metrics", headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return Scrape(answer.status, answer.headers["Content-Type"], answer.read().decode())
    except urllib.error.HTTPError as error:
        return Scrape(error.code, error.headers["Content-Type"], error.read().decode())


def scraped_until(server: Server, ready: Callable[[Scrape], bool], timeout: float = 30) -> Scrape:
    """Scrape until `ready` says yes: a worker observes once its transaction commits."""
    deadline = time.monotonic() + timeout
    while not ready(answer := scrape(server)):
        assert time.monotonic() < deadline, f"never ready; last scrape:\n{answer.body}"
        time.sleep(0.2)
    return answer


@pytest.fixture
def observed(tmp_path: Path) -> dict[str, str]:
    """The environment of processes observed together, as `make run` starts them."""
    directory = tmp_path / "metrics"
    directory.mkdir()
    return {
        "PROMETHEUS_MULTIPROC_DIR": str(directory),
        "SHOP_TRUSTED_PROXIES": "127.0.0.1",
        "SHOP_METRICS_TOKEN": TOKEN,
    }


@pytest.fixture
def web(start_server: Callable[..., Server], observed: dict[str, str]) -> Server:  # noqa: F811
    return start_server(command=partial(http_server, workers=1, threads=4), env=observed)


def dashboard_metrics() -> set[str]:
    """Every metric name the dashboard's queries read."""
    panels = json.loads(DASHBOARD.read_text())["panels"]
    exprs = [target["expr"] for panel in panels for target in panel.get("targets", [])]
    assert exprs, "the dashboard has no queries"
    return {name for expr in exprs for name in re.findall(r"\bshop_[a-z0-9_]+", expr)}


@pytest.mark.usefixtures("demo_catalog")
def test_a_command_and_a_feed_show_in_every_metric_the_dashboard_reads(
    web: Server,
    start_server: Callable[..., Server],  # noqa: F811
    celery_processes: Callable,  # noqa: F811
    observed: dict[str, str],
) -> None:
    feed = start_server(env=observed)
    celery_processes(env=observed)
    user = make_user()
    customer = Client(web, user)
    cart = str(uuid.uuid4())
    before = scrape(web)

    mouse = {"productId": str(product_id("wireless-mouse")), "quantity": 1}
    customer.write("POST", f"/api/cart/{cart}", mouse)
    headers = {"Authorization": f"Token {issue(user).key}"}
    url = f"ws://127.0.0.1:{feed.port}/ws/order-events"
    with connect(url, origin=feed.url, additional_headers=headers, proxy=None):
        during = scraped_until(web, lambda s: s.value("shop_websocket_connections") == 1)

    after = scraped_until(web, lambda s: s.value("shop_websocket_connections") == 0)
    added = {"context": "cart", "operation": "AddItem", "status": "done"}
    assert grown(before, after, "shop_commands_total", **added) == 1
    assert grown(before, after, "shop_command_duration_seconds_count", context="cart") == 1
    post = {"method": "POST", "route": "/api/cart/<uuid:cartId>", "status": "202"}
    assert grown(before, after, "shop_http_request_duration_seconds_count", **post) == 1
    assert NAMES - during.names == set()
    assert dashboard_metrics() - during.names == set()


def test_a_subscribers_lag_moves_with_the_events_appended_after_its_checkpoint(
    web: Server,
) -> None:
    baker = "cart.carts"
    Runner(registry.named(baker)).catch_up()
    before = scrape(web)

    with transaction.atomic():
        ticks = [Ticked(1), Ticked(2), Ticked(3)]
        store.append(uuid.uuid4(), "test.Ticks", ticks, 0, Metadata("tester"))
    behind = scrape(web)
    Runner(registry.named(baker)).catch_up()
    caught_up = scrape(web)

    checkpoint = Checkpoint.objects.get(name=baker).position
    assert before.value("shop_subscriber_lag_events", name=baker) == 0
    assert behind.value("shop_subscriber_lag_events", name=baker) == 3
    assert caught_up.value("shop_subscriber_lag_events", name=baker) == 0
    assert checkpoint == store.head_position()
    assert behind.value("shop_subscriber_failed", name=baker) == 0


def test_a_remote_caller_needs_the_token(web: Server) -> None:
    remote = {"X-Forwarded-For": REMOTE}

    without = scrape(web, remote)
    wrong = scrape(web, {**remote, "Authorization": "Bearer not-the-token"})
    with_token = scrape(web, {**remote, "Authorization": f"Bearer {TOKEN}"})
    local = scrape(web)

    for refused in (without, wrong):
        assert (refused.status, refused.content_type) == (403, "application/problem+json")
        assert json.loads(refused.body)["status"] == 403
        assert "shop_" not in refused.body
    for answered in (with_token, local):
        assert answered.status == 200
        assert answered.content_type.startswith("text/plain; version=0.0.4")
        assert "shop_commands_pending" in answered.names
