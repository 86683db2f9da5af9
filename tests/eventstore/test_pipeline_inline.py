"""Submit, execute and bake in this process, on the real Postgres: the pipeline's rules."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.db import connection

from eventstore.executor import Executor
from eventstore.inbox import IdempotencyConflict, Submission, submit, submit_many
from eventstore.models import Checkpoint, Command
from eventstore.store import store
from eventstore.subscribers import Runner, registry
from tests.pipeline import domain
from tests.pipeline.models import AccountBalance, AccountFeedEntry

pytestmark = pytest.mark.django_db(transaction=False)


def open_account(owner: str = "alice") -> uuid.UUID:
    account = uuid.uuid4()
    submit(domain.OpenAccount(account, owner), actor=owner)
    return account


def run_all() -> None:
    Executor().run()
    for subscriber in registry.all():
        Runner(subscriber).catch_up()


def test_submit_writes_a_pending_command_and_nothing_else() -> None:
    head = store.head_position()
    account = uuid.uuid4()

    submitted = submit(domain.OpenAccount(account, "alice"), actor="alice")

    command = Command.objects.get(id=submitted.command_id)
    assert (command.status, command.service_name, command.operation) == (
        "pending", "pipeline", "OpenAccount"
    )  # fmt: skip
    assert command.stream_id == account
    assert command.payload == {"account_id": str(account), "owner": "alice"}
    assert store.head_position() == head


def test_executed_commands_append_events_with_their_metadata() -> None:
    account = uuid.uuid4()
    opened = submit(domain.OpenAccount(account, "alice"), actor="alice")
    deposited = submit(domain.Deposit(account, Decimal("5.00")), actor="alice")

    Executor().run()

    commands = {c.id: c for c in Command.objects.filter(stream_id=account)}
    assert [commands[opened.command_id].status, commands[deposited.command_id].status] == [
        "done", "done"
    ]  # fmt: skip
    events = store.read_stream(account)
    assert [e.data for e in events] == [
        domain.AccountOpened(account, "alice"),
        domain.Deposited(account, Decimal("5.00"), ""),
    ]
    assert commands[deposited.command_id].positions == [events[1].position]
    assert events[1].metadata.command_id == deposited.command_id
    assert events[1].metadata.causation_id == deposited.command_id
    assert events[1].metadata.correlation_id == deposited.command_id
    assert events[1].metadata.actor == "alice"


def test_a_rejection_is_recorded_with_its_reason_and_writes_no_event() -> None:
    account = open_account()
    Executor().run()
    head = store.head_position()

    rejected = submit(domain.Withdraw(account, Decimal("1.00")), actor="alice")
    Executor().run()

    command = Command.objects.get(id=rejected.command_id)
    assert command.status == "rejected"
    assert command.error == {
        "type": "LedgerError",
        "detail": "insufficient funds: balance 0.00, asked 1.00",
    }
    assert command.positions == []
    assert store.head_position() == head


def test_an_unexpected_error_fails_that_command_and_the_batch_goes_on() -> None:
    account = open_account()
    exploded = submit(domain.Explode(account), actor="alice")
    after = submit(domain.Deposit(account, Decimal("2.00")), actor="alice")

    Executor().run()

    failed = Command.objects.get(id=exploded.command_id)
    assert failed.status == "failed"
    assert failed.error["type"] == "RuntimeError"
    assert "boom" in failed.error["traceback"]
    assert Command.objects.get(id=after.command_id).status == "done"
    assert [type(e.data) for e in store.read_stream(account)] == [
        domain.AccountOpened, domain.Deposited
    ]  # fmt: skip


def test_resubmitting_the_same_key_and_payload_returns_the_original_command() -> None:
    account = uuid.uuid4()
    first = submit(domain.OpenAccount(account, "bob"), actor="bob", idempotency_key="k1")

    again = submit(domain.OpenAccount(account, "bob"), actor="bob", idempotency_key="k1")

    assert (again.command_id, again.created, first.created) == (first.command_id, False, True)
    assert Command.objects.filter(stream_id=account).count() == 1


def test_the_same_key_with_another_payload_is_a_conflict_that_stores_nothing() -> None:
    account = uuid.uuid4()
    first = submit(domain.OpenAccount(account, "bob"), actor="bob", idempotency_key="k2")

    with pytest.raises(IdempotencyConflict) as raised:
        submit(domain.OpenAccount(account, "eve"), actor="bob", idempotency_key="k2")

    assert raised.value.command_id == first.command_id
    assert Command.objects.filter(stream_id=account).count() == 1


def test_submit_many_writes_pending_commands_in_the_order_given() -> None:
    accounts = [uuid.uuid4(), uuid.uuid4()]
    cause, conversation = uuid.uuid4(), uuid.uuid4()
    later = dt.datetime(2031, 1, 1, tzinfo=dt.UTC)
    given = [
        Submission(domain.OpenAccount(accounts[0], "ann"), "m1", None, conversation, cause),
        Submission(domain.OpenAccount(accounts[1], "ann"), "m2", later, conversation, cause),
        Submission(domain.Deposit(accounts[0], Decimal("3.00")), "m3"),
    ]

    results = submit_many(given, actor="receptor:test")

    assert [r.created for r in results] == [True, True, True]
    rows = {c.id: c for c in Command.objects.filter(stream_id__in=accounts)}
    stored = [rows[r.command_id] for r in results]
    assert [c.seq for c in stored] == sorted(c.seq for c in stored)
    assert [(c.operation, c.stream_id, c.idempotency_key) for c in stored] == [
        ("OpenAccount", accounts[0], "m1"), ("OpenAccount", accounts[1], "m2"),
        ("Deposit", accounts[0], "m3"),
    ]  # fmt: skip
    assert {c.status for c in stored} == {"pending"}
    assert stored[0].payload == {"account_id": str(accounts[0]), "owner": "ann"}
    assert (stored[0].correlation_id, stored[0].causation_id) == (conversation, cause)
    assert stored[1].not_before == later
    assert stored[2].correlation_id == stored[2].id and stored[2].causation_id is None
    assert {c.actor for c in stored} == {"receptor:test"}


def test_submit_many_again_finds_the_earlier_commands_and_flags_a_different_one() -> None:
    account = uuid.uuid4()
    first = submit_many([Submission(domain.OpenAccount(account, "ann"), "r1")], actor="r")

    again = submit_many(
        [
            Submission(domain.OpenAccount(account, "ann"), "r1"),  # the same command
            Submission(domain.OpenAccount(account, "eve"), "r1"),  # another under that key
        ],
        actor="r",
    )

    assert [(r.command_id, r.created, r.same) for r in again] == [
        (first[0].command_id, False, True), (first[0].command_id, False, False),
    ]  # fmt: skip
    assert Command.objects.filter(stream_id=account).count() == 1
    assert submit_many([], actor="r") == []


def test_keys_belong_to_one_actor() -> None:
    account = uuid.uuid4()
    first = submit(domain.OpenAccount(account, "bob"), actor="bob", idempotency_key="k3")

    other = submit(domain.Deposit(account, Decimal(1)), actor="carol", idempotency_key="k3")

    assert other.created and other.command_id != first.command_id


def test_the_baker_bakes_balances_and_feed_rows() -> None:
    account = open_account("dora")
    submit(domain.Deposit(account, Decimal("7.50")), actor="dora")
    submit(domain.Withdraw(account, Decimal("2.25")), actor="dora")

    run_all()

    row = AccountBalance.objects.get(account_id=account)
    events = store.read_stream(account)
    assert (row.owner, row.balance, row.entries, row.version) == ("dora", Decimal("5.25"), 2, 3)
    assert row.updated_at == events[-1].recorded_at
    feed = list(AccountFeedEntry.objects.filter(account_id=account).order_by("position"))
    assert [f.position for f in feed] == [e.position for e in events]
    assert feed[-1].message["event"] == "pipeline.Withdrawn"
    assert feed[-1].message["order"]["balance"] == "5.25"
    assert Checkpoint.objects.get(name="pipeline.ledger").position == store.head_position()


def test_the_receptor_submits_once_even_when_its_events_are_replayed() -> None:
    account = open_account("erin")
    submit(domain.Deposit(account, Decimal("1000.00")), actor="erin")
    run_all()
    run_all()  # the bonus command runs
    balance = AccountBalance.objects.get(account_id=account).balance

    Checkpoint.objects.filter(name="pipeline.bonus").update(position=0)  # replay everything
    run_all()

    assert balance == Decimal("1010.00")
    assert AccountBalance.objects.get(account_id=account).balance == Decimal("1010.00")
    bonus = Command.objects.get(stream_id=account, actor="receptor:pipeline.bonus")
    assert bonus.status == "done"
    assert bonus.idempotency_key.startswith("pipeline.bonus:")


def test_a_failing_event_stops_its_subscriber_at_the_checkpoint_with_the_error() -> None:
    account = open_account("fay")
    run_all()
    submit(domain.Deposit(account, Decimal("1.00")), actor="fay")
    submit(domain.Deposit(account, Decimal("99999999999999999999.00")), actor="fay")
    submit(domain.Deposit(account, Decimal("3.00")), actor="fay")
    Executor().run()
    events = store.read_stream(account)

    Runner(registry.named("pipeline.ledger")).catch_up()
    Runner(registry.named("pipeline.bonus")).catch_up()

    ledger = Checkpoint.objects.get(name="pipeline.ledger")
    assert ledger.status == "failed"
    assert ledger.position == events[1].position
    assert ledger.failed_position == events[2].position
    assert "numeric field overflow" in ledger.error
    assert AccountBalance.objects.get(account_id=account).balance == Decimal("1.00")
    bonus = Checkpoint.objects.get(name="pipeline.bonus")
    assert (bonus.status, bonus.position) == ("ok", store.head_position())


def test_lag_is_head_minus_checkpoint() -> None:
    from eventstore.subscribers import lag

    run_all()
    checkpoint = Checkpoint.objects.get(name="pipeline.ledger").position
    account = open_account("gus")
    Executor().run()

    [opened] = store.read_stream(account)
    assert lag()["pipeline.ledger"] == opened.position - checkpoint > 0
    Runner(registry.named("pipeline.ledger")).catch_up()
    assert lag()["pipeline.ledger"] == 0


def test_commands_on_one_stream_execute_in_arrival_order() -> None:
    account = open_account("hal")
    amounts = [Decimal(n) for n in range(1, 51)]
    for amount in amounts:
        submit(domain.Deposit(account, amount), actor="hal")

    Executor().run(batch_size=7)

    assert [e.data.amount for e in store.read_stream(account)[1:]] == amounts
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT positions FROM eventstore_command WHERE stream_id = %s ORDER BY seq", [account]
        )
        positions = [p for (row,) in cursor.fetchall() for p in __import__("json").loads(row)]
    assert positions == sorted(positions)


def test_a_replay_that_derives_a_different_command_keeps_the_first() -> None:
    account = open_account("ida")
    submit(domain.Deposit(account, Decimal("1000.00")), actor="ida")
    run_all()
    run_all()
    from tests.pipeline import receptors

    Checkpoint.objects.filter(name="pipeline.bonus").update(position=0)
    original = receptors.BONUS
    receptors.BONUS = Decimal("20.00")  # the code changed since the first time
    try:
        run_all()
    finally:
        receptors.BONUS = original

    bonus = Command.objects.get(stream_id=account, actor="receptor:pipeline.bonus")
    assert bonus.payload["amount"] == "10.00"
    checkpoint = Checkpoint.objects.get(name="pipeline.bonus")
    assert (checkpoint.status, checkpoint.position) == ("ok", store.head_position())


def test_a_command_that_reads_other_streams_sees_earlier_commands_of_its_batch() -> None:
    from tests.pipeline.handlers import reads_seen

    source, reader = uuid.uuid4(), uuid.uuid4()
    submit(domain.OpenAccount(source, "kim"), actor="kim")
    submit(domain.Deposit(source, Decimal("4.00")), actor="kim")
    submit(domain.OpenAccount(reader, "kim"), actor="kim")
    submit(domain.Stall(reader, 0), actor="kim")  # its prepare reads the source's stream

    Executor().run()

    assert reads_seen[-1] == (reader, len(store.read_stream(source)))


def test_a_command_the_database_refuses_fails_alone_and_its_batch_goes_on() -> None:
    account = open_account("lou")
    before = submit(domain.Deposit(account, Decimal("2.00")), actor="lou")
    poison = submit(domain.DepositUnstorable(account), actor="lou")
    after = submit(domain.Deposit(account, Decimal("3.00")), actor="lou")

    Executor().run()

    statuses = {c.id: c.status for c in Command.objects.filter(stream_id=account)}
    assert [statuses[c.command_id] for c in (before, poison, after)] == ["done", "failed", "done"]
    assert "\\u0000" in Command.objects.get(id=poison.command_id).error["detail"]
    assert [e.data.amount for e in store.read_stream(account)[1:]] == [
        Decimal("2.00"), Decimal("3.00")
    ]  # fmt: skip
