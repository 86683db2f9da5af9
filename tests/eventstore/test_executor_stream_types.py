"""The executor and stream types: a command aimed at a stream of another type is
rejected, alone, and the stream it aimed at goes on as if it had never come."""

from __future__ import annotations

import threading
import time
import uuid
from decimal import Decimal

import pytest
from django.db import connection, transaction

from contexts.cart.domain import AddItem
from contexts.catalog.domain import CreateProduct
from eventstore.executor import Executor
from eventstore.inbox import submit
from eventstore.models import Command
from eventstore.store import ExpectedVersion, Metadata, store
from tests.pipeline import domain

CUSTOMER = uuid.uuid4()
ACTOR = f"customer:{CUSTOMER}"


def a_product() -> uuid.UUID:
    product = uuid.uuid4()
    submit(CreateProduct(product, uuid.uuid4(), "Teapot", Decimal("25.00")), actor="staff")
    Executor().run()
    return product


def outcome(submitted) -> tuple[str, dict | None]:
    command = Command.objects.get(id=submitted.command_id)
    return command.status, command.error


def taken(stream: uuid.UUID, actual: str, refused: str) -> dict:
    detail = f"stream {stream} is a {actual} stream, so it cannot take {refused} events"
    return {"type": "StreamTypeError", "detail": detail}


def types_in(stream: uuid.UUID) -> list[tuple[str, str]]:
    return [(e.stream_type, e.type) for e in store.read_stream(stream)]


@pytest.mark.django_db
def test_a_cart_command_on_an_account_is_rejected_and_its_batch_runs_on() -> None:
    product, account, other, cart = a_product(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    submit(domain.OpenAccount(account, "ann"), actor="ann")
    Executor().run()

    aimed = submit(AddItem(account, CUSTOMER, product, 1), actor=ACTOR)
    deposit = submit(domain.Deposit(account, Decimal("5.00")), actor="ann")
    opened = submit(domain.OpenAccount(other, "bob"), actor="bob")
    added = submit(AddItem(cart, CUSTOMER, product, 2), actor=ACTOR)
    ran = Executor().run(max_batches=1)

    assert ran == 4
    assert outcome(aimed) == ("rejected", taken(account, "pipeline.Account", "cart.Cart"))
    assert [outcome(s)[0] for s in (deposit, opened, added)] == ["done", "done", "done"]
    assert types_in(account) == [
        ("pipeline.Account", "pipeline.AccountOpened"),
        ("pipeline.Account", "pipeline.Deposited"),
    ]
    assert types_in(cart) == [("cart.Cart", "cart.CartItemAdded")]


@pytest.mark.django_db
@pytest.mark.parametrize("cart_first", [True, False])
def test_two_first_commands_of_two_types_on_one_new_id_the_first_wins(cart_first: bool) -> None:
    product, stream = a_product(), uuid.uuid4()
    cart, account = AddItem(stream, CUSTOMER, product, 1), domain.OpenAccount(stream, "ann")
    first, second = (cart, account) if cart_first else (account, cart)

    winner, loser = submit(first, actor=ACTOR), submit(second, actor=ACTOR)
    Executor().run(max_batches=1)

    owner, refused = ("cart.Cart", "pipeline.Account")[:: 1 if cart_first else -1]
    assert outcome(winner) == ("done", None)
    assert outcome(loser) == ("rejected", taken(stream, owner, refused))
    assert [stream_type for stream_type, _ in types_in(stream)] == [owner]


@pytest.mark.django_db
def test_the_state_cache_does_not_lend_one_types_state_to_another() -> None:
    product, stream = a_product(), uuid.uuid4()
    executor = Executor()  # one executor: its cache holds the cart's state
    submit(AddItem(stream, CUSTOMER, product, 1), actor=ACTOR)
    executor.run()

    deposit = submit(domain.Deposit(stream, Decimal("5.00")), actor="ann")
    executor.run()
    again = submit(AddItem(stream, CUSTOMER, product, 2), actor=ACTOR)
    executor.run()

    assert outcome(deposit) == ("rejected", taken(stream, "cart.Cart", "pipeline.Account"))
    assert outcome(again) == ("done", None)
    assert types_in(stream) == [("cart.Cart", "cart.CartItemAdded")] * 2


def _run_in_thread(executor: Executor) -> threading.Thread:
    def run() -> None:
        try:
            executor.run()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def _wait_until_claimed(command_id: uuid.UUID) -> None:
    """Until a worker holds the command's row lock (claimed it, in its transaction)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT id FROM eventstore_command WHERE id = %s FOR UPDATE SKIP LOCKED",
                [command_id],
            )
            if cursor.fetchone() is None:
                return
        time.sleep(0.01)
    raise AssertionError("the executor never claimed the command")


def test_a_stream_created_with_another_type_after_the_batch_folded_ends_cleanly(
    committed_db: None,
) -> None:
    """The database has the last word: the batch appends to an id that became another
    type's stream after it read the id's state; the cart command is rejected alone."""
    product, stream, slow = a_product(), uuid.uuid4(), uuid.uuid4()
    stall = submit(domain.Stall(slow, 1.0), actor="ann")  # holds the batch open for 1 s
    aimed = submit(AddItem(stream, CUSTOMER, product, 1), actor=ACTOR)

    worker = _run_in_thread(Executor())
    _wait_until_claimed(aimed.command_id)
    time.sleep(0.1)  # past the batch's read of the stream
    with transaction.atomic():
        opened = domain.AccountOpened(stream, "eve")
        store.append(
            stream, "pipeline.Account", [opened], ExpectedVersion.NO_STREAM, Metadata("eve")
        )
    worker.join(timeout=30)

    assert not worker.is_alive()
    assert outcome(stall) == ("done", None)
    assert outcome(aimed) == ("rejected", taken(stream, "pipeline.Account", "cart.Cart"))
    assert types_in(stream) == [("pipeline.Account", "pipeline.AccountOpened")]
