"""Crashes and outages: nothing accepted is lost, nothing is applied twice."""

from __future__ import annotations

import random
import subprocess
import sys
import threading
import time
import uuid
from decimal import Decimal
from pathlib import Path

from django.db import connection

from eventstore.executor import Executor
from eventstore.inbox import submit
from eventstore.models import Checkpoint
from eventstore.rebuild import rebuild, verify
from eventstore.subscribers import Runner, registry
from shop.devstack.services import EmbeddedRedis
from tests.integration import processes
from tests.integration.order_flow import (
    OrderFlow,
    assert_each_order_invoiced_and_counted_once,
    assert_every_baker_equals_a_rebuild,
    assert_executed_once_in_stream_order,
    on_sale,
)
from tests.integration.outage_proxy import OutageProxy
from tests.integration.processes import (
    ROOT,
    child_env,
    eventually,
    wait_for_lag_zero,
    wait_until_executed,
    wait_until_quiet,
)
from tests.integration.test_worker import assert_each_executed_exactly_once, open_accounts
from tests.pipeline import domain
from tests.pipeline.models import AccountBalance, AccountFeedEntry

LEDGER = "pipeline.ledger"


def submit_in_background(accounts: list[uuid.UUID], count: int, pause: float) -> tuple:
    ids: list[uuid.UUID] = []

    def load() -> None:
        for _ in range(count):
            deposit = domain.Deposit(random.choice(accounts), Decimal(1))
            ids.append(submit(deposit, actor="ivy").command_id)
            time.sleep(pause)
        connection.close()

    thread = threading.Thread(target=load)
    thread.start()
    return thread, ids


def test_stopping_and_restarting_redis_mid_load_loses_nothing(celery_processes, tmp_path) -> None:
    redis = EmbeddedRedis(data_dir=tmp_path / "redis")
    url = redis.start()
    try:
        celery_processes("worker", redis_url=url)
        celery_processes("beat", redis_url=url)
        accounts = open_accounts(10)
        thread, ids = submit_in_background(accounts, 600, 0.003)

        time.sleep(0.5)
        redis.stop()
        time.sleep(2)
        redis.start()
        thread.join()
        wait_until_executed(ids, timeout=120)

        assert len(ids) == 600
        assert_each_executed_exactly_once(ids)
        wait_for_lag_zero(LEDGER)
        balances = AccountBalance.objects.filter(account_id__in=accounts)
        assert sum(b.balance for b in balances) == Decimal(600)
        assert all(diff.equal for diff in verify(registry.named(LEDGER)))
    finally:
        redis.stop()


def test_a_crash_between_a_bakers_rows_and_its_checkpoint_applies_nothing(
    committed_db: None, tmp_path: Path
) -> None:
    Runner(registry.named(LEDGER)).catch_up()
    before = Checkpoint.objects.get(name=LEDGER).position
    account = uuid.uuid4()
    submit(domain.OpenAccount(account, "jo"), actor="jo")
    submit(domain.Deposit(account, Decimal(3)), actor="jo")
    Executor().run()
    marker = tmp_path / "rows-written"

    crashing = subprocess.Popen(
        [sys.executable, "-m", "tests.integration.crashing_baker", str(marker)],
        cwd=ROOT,
        env=child_env(),
    )
    deadline = time.monotonic() + 60
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert marker.read_text() == "2"
    crashing.kill()
    crashing.wait()

    assert Checkpoint.objects.get(name=LEDGER).position == before
    assert not AccountBalance.objects.filter(account_id=account).exists()
    assert not AccountFeedEntry.objects.filter(account_id=account).exists()
    Runner(registry.named(LEDGER)).catch_up()
    assert AccountBalance.objects.get(account_id=account).balance == Decimal(3)
    assert AccountFeedEntry.objects.filter(account_id=account).count() == 2


def test_a_rebuild_during_live_traffic_equals_the_live_tables(shared_worker_and_beat) -> None:
    accounts = open_accounts(20)
    thread, ids = submit_in_background(accounts, 1000, 0.002)

    time.sleep(0.5)
    rebuild(registry.named(LEDGER))
    thread.join()
    wait_until_executed(ids)
    wait_for_lag_zero(LEDGER)

    assert all(diff.equal for diff in verify(registry.named(LEDGER)))
    assert_each_executed_exactly_once(ids)
    balances = AccountBalance.objects.filter(account_id__in=accounts)
    assert sum(b.balance for b in balances) == Decimal(1000)


def test_a_postgres_outage_mid_load_loses_and_repeats_nothing(celery_processes) -> None:
    """The worker reaches Postgres through a proxy, taken down for 2 s as a restart
    would: every connection it holds ends, and new ones are refused until it is back.
    Orders keep arriving meanwhile (straight to Postgres, as a server's would)."""
    db = connection.settings_dict
    proxy = OutageProxy(db["HOST"], int(db["PORT"]))
    proxy.up()
    try:
        through_proxy = processes.test_database_url().replace(f":{db['PORT']}/", f":{proxy.port}/")
        worker = celery_processes("worker", env={"DATABASE_URL": through_proxy})
        celery_processes("beat")
        products = on_sale(2)
        with OrderFlow(products) as flow:
            eventually(lambda: flow.invoiced() >= 20)
            assert proxy.down() >= 1
            time.sleep(2)
            proxy.up()
            flow.wait_for_more(100)
        wait_until_quiet()
    finally:
        proxy.down()

    assert worker.proc.poll() is None
    assert_executed_once_in_stream_order(flow.accepted)
    assert_each_order_invoiced_and_counted_once(flow)
    assert_every_baker_equals_a_rebuild()
