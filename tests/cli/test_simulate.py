"""`manage.py simulate` against a running uvicorn and a real worker and beat."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from contexts.sales.models import OrderSummary
from shop.customers import customer_id_for
from tests.cli.conftest import Manage
from tests.integration.processes import wait_until_quiet
from tests.livestack import Server, make_user

pytestmark = pytest.mark.integration

PASSWORD = "simulate-password-1"
SUMMARY = re.compile(
    r"Simulated 20 of 20 orders from 4 customers in [\d.]+ s \(started at 10/s\):"
    r" (\d+) requests, \d+ retried, 0 errors"
)


def table(lines: list[str], width: int) -> dict[str, list[str]]:
    """Indented rows `  name  value...` with `width` values, by name."""
    rows = {}
    for line in lines:
        name, values = line[:23].strip(), line[23:].split()
        if line.startswith("  ") and len(values) == width:
            rows[name] = values
    return rows


@pytest.mark.usefixtures("demo_catalog", "workers")
def test_simulate_places_pays_and_ships_orders_and_reports_what_it_saw(
    manage: Manage, start_server: Callable[[], Server]
) -> None:
    server = start_server()
    staff = make_user(staff=True, password=PASSWORD)
    started = timezone.now()

    run = manage(
        "simulate", "--orders", "20", "--rate", "10", "--customers", "4", "--url", server.url,
        "--staff-user", staff.username, "--staff-password", PASSWORD, "--seed", "7",
        timeout=240,
    )  # fmt: skip

    assert run.returncode == 0, run.stdout + run.stderr
    lines = run.stdout.splitlines()
    assert lines[0] == f"Simulating against {server.url}; watch {server.url}/live"
    assert SUMMARY.fullmatch(lines[1]), lines[1]
    did = {name: int(values[0]) for name, values in table(lines, 1).items()}
    assert did["carts checked out"] + did["direct orders"] == 20
    assert did["paid"] + did["cancelled"] + did["left unpaid"] == 20
    assert did["paid"] >= did["dispatched"] >= did["delivered"]
    latencies = table(lines, 4)
    assert {"sign up", "read after write", "pay"} <= set(latencies)
    for name, (count, *percentiles) in latencies.items():
        p50, p95, p99 = map(float, percentiles)
        assert int(count) > 0 and 0 < p50 <= p95 <= p99, name
    assert "100.0% 20/20" in run.stderr

    wait_until_quiet()
    customers = User.objects.filter(username__startswith="sim-", date_joined__gte=started)
    assert customers.count() == 4
    ids = [customer_id_for(customer) for customer in customers]
    statuses = Counter(OrderSummary.objects.filter(customer_id__in=ids).values_list("status"))
    assert {status: count for (status,), count in statuses.items() if count} == {
        status: count
        for status, count in {
            "invoiced": did["left unpaid"],
            "cancelled": did["cancelled"],
            "paid": did["paid"] - did["dispatched"],
            "shipped": did["dispatched"] - did["delivered"],
            "delivered": did["delivered"],
        }.items()
        if count
    }


def test_simulate_says_so_when_it_cannot_reach_the_server(manage: Manage) -> None:
    run = manage("simulate", "--url", "http://127.0.0.1:9", "--staff-password", "nothing")

    assert run.returncode == 1
    assert run.stderr.startswith("CommandError: Could not start: POST /api/auth/token: ")
    assert "Simulated" not in run.stdout


def test_simulate_help_shows_every_default(manage: Manage) -> None:
    run = manage("simulate", "--help", env={"PORT": "8123", "COLUMNS": "200"})

    assert run.returncode == 0, run.stderr
    for shown in (
        "orders to place (default: 50)",
        "orders per second (default: 5.0)",
        "new customers (default: 10)",
        "the server (default: http://127.0.0.1:$PORT, here http://127.0.0.1:8123)",
        "staff who pay and dispatch (default: SHOP_ADMIN_USER, else admin)",
        "their password (default: SHOP_ADMIN_PASSWORD, else .run/admin-password)",
        "for a repeatable mix of journeys (default: a random one each run)",
        "journeys at once (default: 3 s of orders at --rate, from 4 to 64)",
    ):
        assert shown in run.stdout, shown
