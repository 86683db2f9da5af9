"""Logs across processes, as an operator reads them (SHOP_LOG_FORMAT=json): one order's
story found by its request id in the HTTP server's lines and in the worker's, and the
sweeper's routine runs quiet at INFO. Real granian, Celery worker and beat."""

from __future__ import annotations

import json
import time
import urllib.request
import uuid
from collections.abc import Callable
from decimal import Decimal

import pytest

from contexts.catalog import domain as catalog
from contexts.catalog.models import Product
from contexts.sales.models import OrderSummary
from eventstore.inbox import submit
from eventstore.models import Command
from shop.devstack.servers import http_server
from shop.tokens.keys import issue
from tests.integration.processes import (
    Celery,
    eventually,
    purge_wake_ups,
    wait_until_executed,
)
from tests.livestack import Server, make_user, start_server  # noqa: F401  fixtures
from tests.log_lines import carrying, read_json_lines
from tests.pipeline import domain as pipeline

pytestmark = pytest.mark.integration

JSON = {"SHOP_LOG_FORMAT": "json"}
ADDRESS = {"name": "Ada Lovelace", "line1": "12 Analytical St", "city": "London",
           "postalCode": "N1 9GU", "country": "GB"}  # fmt: skip
SWEEP_SECONDS = 0.5  # tests.integration.processes.child_env's SHOP_SWEEP_SECONDS


def on_sale() -> uuid.UUID:
    product = uuid.uuid4()
    created = submit(catalog.CreateProduct(product, uuid.uuid4(), "Log kettle", Decimal("9.50")),
                     actor="staff:logs")  # fmt: skip
    wait_until_executed([created.command_id])
    eventually(lambda: Product.objects.filter(pk=product, active=True).exists())
    return product


def place_order(server: Server, token: str, product: uuid.UUID, request_id: str) -> tuple:
    """POST /api/order with an X-Request-ID: the status, the id it returned, the answer."""
    body = {"lines": [{"productId": str(product), "quantity": 1}], "shippingAddress": ADDRESS}
    request = urllib.request.Request(
        f"{server.url}/api/order", data=json.dumps(body).encode(), method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Token {token}",
                 "X-Request-ID": request_id},
    )  # fmt: skip
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, response.headers["X-Request-ID"], json.load(response)


def test_one_orders_story_is_found_by_its_request_id_in_the_servers_and_the_workers_lines(
    start_server: Callable[..., Server],  # noqa: F811
    celery_processes: Callable[..., Celery],
) -> None:
    worker = celery_processes("worker", env={**JSON, "SHOP_LOG_LEVEL": "DEBUG"})
    server = start_server(command=http_server, env={**JSON, "SHOP_ACCESS_LOG": "1"})
    product, request_id = on_sale(), str(uuid.uuid4())

    status, returned, placed = place_order(server, issue(make_user()).key, product, request_id)
    invoiced = OrderSummary.objects.filter(pk=placed["orderId"], status="invoiced")
    eventually(invoiced.exists)

    assert (status, returned) == (202, request_id)
    [access] = carrying(read_json_lines(server.log), logger="shop.access", request_id=request_id)
    assert (access["event"], access["command_id"]) == ("POST /api/order 202", placed["commandId"])
    assert access["correlation_id"] == request_id
    story = Command.objects.filter(correlation_id=request_id, status="done")
    worker_lines = carrying(read_json_lines(worker.log), logger="eventstore.executor",
                            correlation_id=request_id)  # fmt: skip
    assert sorted((line["command"], line["command_id"]) for line in worker_lines) == sorted(
        (f"{c.service_name}.{c.operation}", str(c.id)) for c in story
    )
    operations = {line["command"]: line for line in worker_lines}
    assert operations["sales.PlaceOrder"]["command_id"] == placed["commandId"]
    assert operations["invoicing.IssueInvoice"]["causation_id"] == placed["commandId"]


def test_the_sweepers_routine_runs_say_nothing_at_info(
    celery_processes: Callable[..., Celery],
) -> None:
    opened = submit(pipeline.OpenAccount(uuid.uuid4(), "ann"), actor="ann").command_id
    purge_wake_ups()  # its wake-up is lost: only a sweep finds it
    worker = celery_processes("worker", env=JSON)
    beat = celery_processes("beat", env={**JSON, "SHOP_LOG_LEVEL": "DEBUG"})

    wait_until_executed([opened])
    time.sleep(3 * SWEEP_SECONDS)  # and a few sweeps more

    worker_lines, beat_lines = read_json_lines(worker.log), read_json_lines(beat.log)
    assert [line for line in worker_lines if "sweep" in line["event"]] == []
    assert any(
        line["event"].startswith("Task eventstore.execute_commands[") and line["level"] == "info"
        for line in worker_lines
    )
    sent = {
        (line["event"], line["level"])
        for line in beat_lines
        if line["event"].startswith("Scheduler: Sending due task sweep")
    }
    assert sent == {
        ("Scheduler: Sending due task sweep (eventstore.sweep)", "debug"),
        ("Scheduler: Sending due task sweep-webhooks (integrations.sweep)", "debug"),
    }
