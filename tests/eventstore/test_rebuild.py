"""Rebuild and verify a baker on the real Postgres."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from eventstore.inbox import submit
from eventstore.models import Checkpoint
from eventstore.rebuild import rebuild, verify
from eventstore.store import store
from eventstore.subscribers import registry
from tests.eventstore.test_pipeline_inline import open_account, run_all
from tests.pipeline import domain
from tests.pipeline.models import AccountBalance, AccountFeedEntry

pytestmark = pytest.mark.django_db

LEDGER = "pipeline.ledger"


def some_activity() -> list:
    accounts = [open_account(f"owner{n}") for n in range(3)]
    for n, account in enumerate(accounts):
        submit(domain.Deposit(account, Decimal(10 + n)), actor="x")
        submit(domain.Withdraw(account, Decimal(1)), actor="x")
    run_all()
    return accounts


def rows() -> tuple[list, list]:
    balances = list(AccountBalance.objects.order_by("account_id").values_list())
    feed = list(AccountFeedEntry.objects.order_by("position").values_list())
    return balances, feed


def test_verify_finds_live_tables_equal_to_a_replay() -> None:
    some_activity()

    diffs = verify(registry.named(LEDGER))

    assert [(d.table, d.equal) for d in diffs] == [
        ("pipeline_accountbalance", True),
        ("pipeline_accountfeedentry", True),
    ]


def test_verify_reports_a_damaged_row_and_the_command_exits_non_zero() -> None:
    [account, *_] = some_activity()
    AccountBalance.objects.filter(account_id=account).update(balance=Decimal("999.00"))

    [balances, feed] = verify(registry.named(LEDGER))

    assert (balances.only_live, balances.only_rebuilt, feed.equal) == (1, 1, True)
    assert any("999.00" in sample for sample in balances.samples)
    out = io.StringIO()
    with pytest.raises(CommandError, match="pipeline_accountbalance"):
        call_command("verify", LEDGER, stdout=out, stderr=io.StringIO())
    assert "DIFFERENT (1 rows only live, 1 only rebuilt)" in out.getvalue()


def test_rebuild_restores_exactly_the_live_tables_and_moves_the_checkpoint() -> None:
    [account, *_] = some_activity()
    expected = rows()
    AccountBalance.objects.filter(account_id=account).update(balance=Decimal("999.00"))
    AccountFeedEntry.objects.filter(account_id=account).delete()

    position = rebuild(registry.named(LEDGER))

    assert rows() == expected
    assert position == store.head_position()
    assert Checkpoint.objects.get(name=LEDGER).position == position
    assert all(d.equal for d in verify(registry.named(LEDGER)))


def test_the_rebuild_command_shows_progress_and_refuses_unknown_names() -> None:
    some_activity()
    out, err = io.StringIO(), io.StringIO()

    call_command("rebuild", "--all", stdout=out, stderr=err)

    assert f"{LEDGER}: rebuilt to position {store.head_position()}" in out.getvalue()
    assert "100.0%" in err.getvalue() and "ev/s" in err.getvalue()
    with pytest.raises(CommandError, match="no baker named nope"):
        call_command("rebuild", "nope")
