"""The pipeline with a real Celery worker and beat, over the real Postgres and Redis."""

from __future__ import annotations

import datetime as dt
import random
import threading
import time
import uuid
from collections import Counter
from decimal import Decimal

from django.db import connection, transaction

from eventstore.executor import Executor
from eventstore.inbox import EXECUTE_LOCK, submit
from eventstore.models import Command
from eventstore.rebuild import verify
from eventstore.store import store
from eventstore.subscribers import registry
from tests.integration.processes import wait_for_lag_zero, wait_until_executed
from tests.pipeline import domain
from tests.pipeline.handlers import release_stall
from tests.pipeline.models import AccountBalance


def open_accounts(count: int, owner: str = "ivy") -> list[uuid.UUID]:
    accounts = [uuid.uuid4() for _ in range(count)]
    ids = [submit(domain.OpenAccount(a, owner), actor=owner).command_id for a in accounts]
    wait_until_executed(ids)
    return accounts


def assert_each_executed_exactly_once(command_ids: list[uuid.UUID]) -> None:
    """Every command is done, and produced exactly the events that name it."""
    commands = Command.objects.filter(id__in=command_ids)
    assert Counter(c.status for c in commands) == {"done": len(command_ids)}
    streams = {c.stream_id for c in commands}
    events = store.read_streams(list(streams))
    by_command = Counter(e.metadata.command_id for e in events)
    for command in commands:
        assert by_command[command.id] == len(command.positions) == 1, command.id


def test_commands_on_one_stream_run_in_arrival_order(shared_worker) -> None:
    [account] = open_accounts(1)
    submitted: list[tuple[int, uuid.UUID]] = []

    def submit_some(thread: int) -> None:
        for n in range(25):
            amount = Decimal(thread * 100 + n)
            submitted.append(
                (amount, submit(domain.Deposit(account, amount), actor="ivy").command_id)
            )
        connection.close()

    threads = [threading.Thread(target=submit_some, args=(t,)) for t in range(1, 9)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ids = [command_id for _, command_id in submitted]
    wait_until_executed(ids)

    arrival = list(
        Command.objects.filter(id__in=ids).order_by("seq").values_list("payload", flat=True)
    )
    executed = [e.data.amount for e in store.read_stream(account)[1:]]
    assert len(executed) == 200
    assert executed == [Decimal(p["amount"]) for p in arrival]
    assert_each_executed_exactly_once(ids)


def wait_until_claimed(stream: uuid.UUID, timeout: float = 10) -> None:
    """Until a worker's batch holds the stream's claim (its advisory lock, as pg_locks
    shows it: looking takes no lock, so the worker is never turned away)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
                " AND classid = %s AND objid = (hashtext(%s)::bigint & 4294967295)::oid"
                " AND objsubid = 2",
                [EXECUTE_LOCK, str(stream)],
            )
            if cursor.fetchone()[0]:
                return
        time.sleep(0.02)
    raise AssertionError(f"no worker claimed {stream} within {timeout} s")


def test_different_streams_run_in_parallel_with_two_executor_runs(celery_processes) -> None:
    # Commands other tests left pending would share the stall's batch, and their events,
    # appended before the stall reads other streams, would hold the append lock for it.
    while Executor().run_batch():
        pass
    celery_processes("worker", concurrency=2, env={"SHOP_EXECUTOR_RUNS": "2"})
    slow, fast = open_accounts(2)

    # Long beside the moments a busy machine takes a free worker process to pick up the
    # deposit's wake-up (over 3 s twice in a full suite run), short beside the timeouts.
    stall = submit(domain.Stall(slow, 10.0), actor="ivy").command_id
    wait_until_claimed(slow)  # the first worker process is inside the slow batch now
    deposit = submit(domain.Deposit(fast, Decimal(1)), actor="ivy").command_id
    wait_until_executed([deposit], timeout=10)

    assert Command.objects.get(id=stall).status == "pending"
    release_stall(slow)
    wait_until_executed([stall])
    stalled, deposited = (Command.objects.get(id=i).executed_at for i in (stall, deposit))
    assert deposited < stalled


def test_a_scheduled_command_fires_once_with_two_beats_running(celery_processes) -> None:
    celery_processes("worker")
    celery_processes("worker")
    celery_processes("beat")
    celery_processes("beat")
    [account] = open_accounts(1)
    due = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=2)

    command_id = submit(domain.Deposit(account, Decimal(5)), actor="ivy", not_before=due).command_id
    time.sleep(1)
    assert Command.objects.get(id=command_id).status == "pending"
    wait_until_executed([command_id], timeout=30)
    time.sleep(2)  # several more sweeps by both beats

    command = Command.objects.get(id=command_id)
    assert command.executed_at >= due
    assert [type(e.data) for e in store.read_stream(account)] == [
        domain.AccountOpened, domain.Deposited
    ]  # fmt: skip
    assert_each_executed_exactly_once([command_id])


def test_a_worker_killed_mid_batch_loses_and_repeats_nothing(celery_processes) -> None:
    worker = celery_processes("worker")
    celery_processes("beat")
    accounts = open_accounts(20)

    def deposits(count: int) -> list[uuid.UUID]:
        return [
            submit(domain.Deposit(random.choice(accounts), Decimal(1)), actor="ivy").command_id
            for _ in range(count)
        ]

    with transaction.atomic():  # all visible at once: the stall lands inside a full batch
        ids = deposits(1000)
        stall = submit(domain.Stall(accounts[0], 8.0), actor="ivy").command_id
        ids += deposits(1000)
    done = wait_until_stuck(ids)

    worker.kill()  # inside the stalled batch: its other commands are decided, not committed
    assert 0 < Command.objects.filter(id__in=ids, status="done").count() == done < len(ids)
    release_stall(accounts[0])  # the batch the new worker runs again need not stall
    celery_processes("worker")
    wait_until_executed([*ids, stall])

    assert_each_executed_exactly_once(ids)
    wait_for_lag_zero("pipeline.ledger")
    balances = AccountBalance.objects.filter(account_id__in=accounts)
    assert sum(b.balance for b in balances) == Decimal(2000)
    assert all(diff.equal for diff in verify(registry.named("pipeline.ledger")))


def wait_until_stuck(ids: list[uuid.UUID], timeout: float = 30) -> int:
    """Wait until some commands are done and the count stops moving: a batch is stalled."""
    deadline = time.monotonic() + timeout
    last, steady_since = -1, time.monotonic()
    while time.monotonic() < deadline:
        done = Command.objects.filter(id__in=ids, status="done").count()
        if done != last:
            last, steady_since = done, time.monotonic()
        elif done and time.monotonic() - steady_since > 0.7:
            return done
        time.sleep(0.05)
    raise AssertionError("the worker never stalled")


def test_one_executor_run_by_default_leaves_the_other_process_to_the_subscribers(
    celery_processes,
) -> None:
    while Executor().run_batch():
        pass
    celery_processes("worker", concurrency=2)
    slow, fast = open_accounts(2)

    stall = submit(domain.Stall(slow, 10.0), actor="ivy").command_id
    wait_until_claimed(slow)
    deposit = submit(domain.Deposit(fast, Decimal(1)), actor="ivy").command_id
    time.sleep(1)  # the deposit's wake-up finds the one slot taken, and leaves it flagged

    assert Command.objects.get(id=deposit).status == "pending"
    release_stall(slow)
    wait_until_executed([stall, deposit])  # the run holding the slot went round again
