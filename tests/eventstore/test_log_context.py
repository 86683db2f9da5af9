"""The executor's and the subscribers' lines (eventstore/log_context.py): each names its
command and its conversation, and a receptor passes the conversation on, so one
correlation id finds a whole story. In this process, on the real Postgres."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable
from dataclasses import replace
from decimal import Decimal

import pytest
from structlog.contextvars import bound_contextvars

from eventstore.commands import commands
from eventstore.executor import Executor
from eventstore.inbox import submit
from eventstore.models import Command
from eventstore.store import RecordedEvent
from eventstore.subscribers import Runner, registry
from tests.log_lines import LogLines, log_lines  # noqa: F401  the fixture
from tests.pipeline import domain
from tests.pipeline.receptors import BonusReceptor

pytestmark = pytest.mark.django_db

BIG = Decimal("1000.00")  # earns a bonus (tests/pipeline/receptors.py)


@pytest.fixture
def executed(django_capture_on_commit_callbacks) -> Callable[[], None]:
    """Run the executor, and after it the bonus receptor and the executor again, with
    what each does once it commits (the outcome lines) done, as a worker's commits do."""

    def run() -> None:
        with django_capture_on_commit_callbacks(execute=True):
            Executor().run()
            Runner(registry.named(BonusReceptor.name)).catch_up()
            Executor().run()

    return run


@pytest.fixture
def debug(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, "eventstore.executor")


def open_account() -> uuid.UUID:
    account = uuid.uuid4()
    submit(domain.OpenAccount(account, "ann"), actor="ann")
    return account


def test_a_command_and_the_one_a_receptor_submits_for_it_share_the_requests_correlation_id(
    debug: None,
    executed: Callable[[], None],
    log_lines: LogLines,  # noqa: F811
) -> None:
    account, conversation = open_account(), str(uuid.uuid4())
    with bound_contextvars(correlation_id=conversation):  # as a request binds its id
        deposit = submit(domain.Deposit(account, BIG), actor="ann").command_id

    executed()

    bonus = Command.objects.get(stream_id=account, causation_id=deposit).id
    assert log_lines.carrying(correlation_id=conversation) == [
        {"event": "command done", "level": "debug", "logger": "eventstore.executor",
         "command_id": str(deposit), "correlation_id": conversation,
         "command": "pipeline.Deposit", "stream_id": str(account), "events": 1},
        {"event": "command done", "level": "debug", "logger": "eventstore.executor",
         "command_id": str(bonus), "correlation_id": conversation,
         "command": "pipeline.Deposit", "stream_id": str(account), "events": 1,
         "causation_id": str(deposit)},
    ]  # fmt: skip


def test_a_rejection_is_an_info_line_with_its_reason(
    executed: Callable[[], None],
    log_lines: LogLines,  # noqa: F811
) -> None:
    account = open_account()
    withdraw = submit(domain.Withdraw(account, Decimal("5.00")), actor="ann").command_id

    executed()

    assert log_lines.carrying(command_id=str(withdraw)) == [
        {"event": "command rejected", "level": "info", "logger": "eventstore.executor",
         "command_id": str(withdraw), "correlation_id": str(withdraw),
         "command": "pipeline.Withdraw", "stream_id": str(account), "events": 0,
         "reason": "insufficient funds: balance 0.00, asked 5.00"},
    ]  # fmt: skip


def test_a_done_command_says_nothing_at_info(
    executed: Callable[[], None],
    log_lines: LogLines,  # noqa: F811
) -> None:
    account = open_account()
    deposit = submit(domain.Deposit(account, Decimal("5.00")), actor="ann").command_id

    executed()

    assert Command.objects.get(pk=deposit).status == "done"
    assert log_lines.carrying(logger="eventstore.executor") == []


def test_what_a_handler_logs_while_deciding_names_the_command(
    executed: Callable[[], None],
    log_lines: LogLines,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    handler = commands.named("pipeline", "Deposit")

    def decide(state: object, command: domain.Deposit) -> list[object]:
        logging.getLogger("tests.pipeline").warning("deciding a deposit of %s", command.amount)
        return handler.decide(state, command)

    monkeypatch.setitem(commands._by_name, handler.name, replace(handler, decide=decide))
    account = open_account()
    deposit = submit(domain.Deposit(account, Decimal("5.00")), actor="ann").command_id

    executed()

    assert log_lines.carrying(logger="tests.pipeline") == [
        {"event": "deciding a deposit of 5.00", "level": "warning", "logger": "tests.pipeline",
         "command_id": str(deposit), "correlation_id": str(deposit)},
    ]  # fmt: skip


def test_what_a_receptor_logs_names_the_event_and_its_conversation(
    executed: Callable[[], None],
    log_lines: LogLines,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    react = BonusReceptor.react

    def saying_so(self: BonusReceptor, event: RecordedEvent) -> Iterable[object]:
        logging.getLogger("tests.pipeline").warning("reacting to %s", event.type)
        return react(self, event)

    monkeypatch.setattr(BonusReceptor, "react", saying_so)
    account = open_account()
    deposit = submit(domain.Deposit(account, BIG), actor="ann").command_id

    executed()

    [line] = log_lines.carrying(logger="tests.pipeline", command_id=str(deposit))
    assert isinstance(line.pop("position"), int)
    assert line == {
        "event": "reacting to pipeline.Deposited", "level": "warning",
        "logger": "tests.pipeline", "subscriber": BonusReceptor.name,
        "command_id": str(deposit), "correlation_id": str(deposit),
    }  # fmt: skip
