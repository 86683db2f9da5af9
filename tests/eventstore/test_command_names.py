"""Stable command names: the inbox stores a command's registered name, never its class's,
so a renamed class still runs the commands pending under its name."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from decimal import Decimal

import pytest

from contexts.cart import handlers as cart
from contexts.catalog import handlers as catalog
from contexts.invoicing import handlers as invoicing
from contexts.sales import handlers as sales
from contexts.shipping import handlers as shipping
from eventstore.commands import CommandRegistry, Handler, commands
from eventstore.executor import Executor
from eventstore.inbox import submit
from eventstore.models import Command
from eventstore.store import store
from tests.pipeline import domain
from tests.pipeline import handlers as pipeline


@dataclass(frozen=True)
class PayIn:
    """What `domain.Deposit` was called before a rename, when its command was stored."""

    account_id: uuid.UUID
    amount: Decimal
    note: str = ""


@dataclass(frozen=True)
class Vanished:
    """A command whose class, and name, no context registers any more."""

    account_id: uuid.UUID


def deposit_handler(**changes: object) -> Handler:
    return replace(commands.named("pipeline", "Deposit"), **changes)


def registry_of(handler: Handler) -> CommandRegistry:
    registry = CommandRegistry()
    registry.register(handler)
    return registry


def opened_account() -> uuid.UUID:
    account = uuid.uuid4()
    submit(domain.OpenAccount(account, "alice"), actor="alice")
    Executor().run()
    return account


def test_every_context_registers_each_command_under_the_name_its_map_gives() -> None:
    maps = (cart.COMMANDS, catalog.COMMANDS, sales.COMMANDS, invoicing.COMMANDS, shipping.COMMANDS)

    registered = {name: commands.named(*name.split(".", 1)).command for m in maps for name in m}

    assert registered == {name: cls for m in maps for name, cls in m.items()}
    assert len(registered) == 22


def test_a_stable_name_already_taken_is_refused() -> None:
    registry = registry_of(deposit_handler())

    with pytest.raises(ValueError) as raised:
        registry.register(deposit_handler(command=PayIn))

    assert str(raised.value) == "command name 'pipeline.Deposit' is already taken by Deposit"
    assert registry.named("pipeline", "Deposit").command is domain.Deposit
    assert registry.names() == ["pipeline.Deposit"]


def test_a_class_registered_under_a_second_name_is_refused() -> None:
    registry = registry_of(deposit_handler())

    with pytest.raises(ValueError) as raised:
        registry.register(deposit_handler(name="pipeline.PayIn"))

    assert str(raised.value) == "Deposit is already registered as 'pipeline.Deposit'"
    assert registry.names() == ["pipeline.Deposit"]


@pytest.mark.parametrize("name", ["Deposit", "pipeline.", ".Deposit"])
def test_a_name_that_is_not_context_dot_operation_is_refused(name: str) -> None:
    registry = CommandRegistry()

    with pytest.raises(ValueError) as raised:
        registry.register(deposit_handler(name=name))

    assert str(raised.value) == f"command name {name!r} is not <context>.<Operation>"
    assert registry.names() == []


def test_an_aggregates_commands_share_its_fields_and_add_only_their_own() -> None:
    registry = CommandRegistry()
    named = {"pipeline.Deposit": domain.Deposit, "pipeline.Withdraw": domain.Withdraw}

    registry.register_aggregate(
        pipeline.ACCOUNT, named, {domain.Withdraw: {"permission": "own"}}, permission="every"
    )

    shared = {"stream_type": "pipeline.Account", "decide": domain.decide, "prepare": None}
    for name, permission in (("pipeline.Deposit", "every"), ("pipeline.Withdraw", "own")):
        handler = registry.named(*name.split("."))
        assert {field: getattr(handler, field) for field in shared} == shared
        assert (handler.command, handler.permission) == (named[name], permission)


def test_options_for_a_class_that_is_not_among_the_commands_are_refused() -> None:
    registry = CommandRegistry()
    named = {"pipeline.Deposit": domain.Deposit}

    with pytest.raises(ValueError) as raised:
        registry.register_aggregate(pipeline.ACCOUNT, named, {domain.Stall: {"prepare": print}})

    assert str(raised.value) == "options for classes that are not among the commands: Stall"
    assert registry.names() == []


def test_an_aggregates_handler_takes_a_decide_of_its_own() -> None:
    def decide(state: object, command: object) -> list[object]:
        return []

    handler = pipeline.ACCOUNT.handler("pipeline.Deposit", domain.Deposit, decide=decide)

    assert (handler.decide, handler.evolve) == (decide, domain.evolve)


@pytest.mark.django_db
def test_a_command_pending_under_its_stable_name_runs_after_its_class_is_renamed() -> None:
    account = opened_account()
    before_the_rename = registry_of(deposit_handler(command=PayIn))
    pending = submit(PayIn(account, Decimal("5.00")), actor="alice", registry=before_the_rename)
    stored = Command.objects.values_list("service_name", "operation", "status")
    assert stored.get(id=pending.command_id) == ("pipeline", "Deposit", "pending")

    Executor().run()  # the registry of today's code, whose class is `domain.Deposit`

    executed = Command.objects.get(id=pending.command_id)
    assert (executed.status, executed.error) == ("done", None)
    assert [e.data for e in store.read_stream(account)][1:] == [
        domain.Deposited(account, Decimal("5.00"), "")
    ]


@pytest.mark.django_db
def test_a_command_stored_under_a_name_no_context_registers_fails_and_writes_nothing() -> None:
    account = opened_account()
    gone = registry_of(deposit_handler(name="pipeline.Vanished", command=Vanished))
    orphan = submit(Vanished(account), actor="alice", registry=gone)
    head = store.head_position()

    Executor().run()

    failed = Command.objects.get(id=orphan.command_id)
    assert (failed.status, failed.error["type"], failed.positions) == (
        "failed",
        "UnknownCommand",
        [],
    )
    assert failed.error["detail"] == "unknown command 'pipeline.Vanished': no context registered it"
    assert store.head_position() == head


def test_options_keyed_by_a_stable_name_instead_of_a_class_are_refused_by_name() -> None:
    registry = CommandRegistry()
    named = {"pipeline.Deposit": domain.Deposit}

    with pytest.raises(ValueError) as raised:
        registry.register_aggregate(
            pipeline.ACCOUNT, named, {"pipeline.Deposit": {"prepare": print}}
        )

    assert str(raised.value) == (
        "options for classes that are not among the commands: 'pipeline.Deposit'"
    )
    assert registry.names() == []
