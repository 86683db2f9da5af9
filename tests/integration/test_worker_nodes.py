"""Two worker nodes, as `make run` on two hosts would run them, under a flow of orders.

Nothing is assigned to a node: the executor's runs and each subscriber are held by
Postgres advisory locks, which go when the holder's connection closes. So when one node
dies, the other takes over by itself: it keeps executing commands and every subscriber's
checkpoint moves again.
"""

from __future__ import annotations

import time

import psutil
from django.db import connection

from eventstore.executor import EXECUTOR_LOCK
from eventstore.inbox import EXECUTE_LOCK
from eventstore.subscribers import registry
from tests.integration.order_flow import (
    OrderFlow,
    assert_each_order_invoiced_and_counted_once,
    assert_every_baker_equals_a_rebuild,
    assert_executed_once_in_stream_order,
    on_sale,
)
from tests.integration.processes import Celery, eventually, wait_until_quiet

TAKEOVER_SECONDS = 10
SWEEP = {"SHOP_SWEEP_SECONDS": "2"}  # make run's: the takeover waits for a sweep


def test_when_one_of_two_nodes_is_killed_mid_load_the_other_takes_over_and_nothing_is_lost(
    celery_processes,
) -> None:
    first = celery_processes("worker", name="node1@%h")
    second = celery_processes("worker", name="node2@%h")
    celery_processes("beat", env=SWEEP)
    products = on_sale(2)

    with OrderFlow(products) as flow:
        eventually(lambda: flow.invoiced() >= 20 and ran_tasks(first) and ran_tasks(second))
        wait_until_inside_a_batch(second)  # the one executor run, its streams claimed
        second.kill()
        took = takeover(flow)

    assert max(took.values()) <= TAKEOVER_SECONDS, took
    assert first.proc.poll() is None
    wait_until_quiet()
    assert_executed_once_in_stream_order(flow.accepted)
    assert_each_order_invoiced_and_counted_once(flow)
    assert_every_baker_equals_a_rebuild()


def ran_tasks(node: Celery) -> bool:
    return " succeeded in " in node.log.read_text(errors="replace")


def locks_held(node: Celery) -> list[int]:
    """The advisory-lock namespaces the node's connections hold (the executor's slot, a
    stream's claim, a subscriber's run), found by their client ports."""
    processes = psutil.Process(node.proc.pid)
    port = int(connection.settings_dict["PORT"])
    ports = [
        socket.laddr.port
        for process in [processes, *processes.children(recursive=True)]
        for socket in process.net_connections("tcp")
        if socket.raddr and socket.raddr.port == port
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT l.classid::int FROM pg_locks AS l JOIN pg_stat_activity AS a USING (pid)"
            " WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2"
            " AND a.client_port = ANY(%s)",
            [ports],
        )
        return [row[0] for row in cursor.fetchall()]


def wait_until_inside_a_batch(node: Celery, timeout: float = 30) -> None:
    """Until the node holds the executor's slot and a batch's stream claims: the other
    node can execute nothing until Postgres sees this one's connections close."""
    deadline = time.monotonic() + timeout
    while not {EXECUTOR_LOCK, EXECUTE_LOCK} <= set(locks_held(node)):
        assert time.monotonic() < deadline, "the node never ran a batch"
        time.sleep(0.01)


def takeover(flow: OrderFlow, timeout: float = 3 * TAKEOVER_SECONDS) -> dict[str, float]:
    """Seconds from now (the kill) until a command executed and each subscriber's
    checkpoint moved past where it stood, while the flow goes on."""
    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("SELECT clock_timestamp()")
        killed_at = cursor.fetchone()[0]
    names = [subscriber.name for subscriber in registry.all()]
    stood = checkpoints()
    took: dict[str, float] = {}
    while len(took) <= len(names) and time.monotonic() - started < timeout:
        assert flow.error is None
        now = checkpoints()
        took.update({n: time.monotonic() - started for n in names
                     if n not in took and now.get(n, 0) > stood.get(n, 0)})  # fmt: skip
        if "executor" not in took and executed_since(killed_at):
            took["executor"] = time.monotonic() - started
        time.sleep(0.05)
    never = {*names, "executor"} - set(took)
    assert not never, f"not moved {timeout} s after the kill: {never}"
    return took


def checkpoints() -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, position FROM eventstore_checkpoint")
        return dict(cursor.fetchall())


def executed_since(moment: object) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM eventstore_command WHERE executed_at > %s)", [moment]
        )
        return cursor.fetchone()[0]
