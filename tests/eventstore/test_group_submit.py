"""Group submits from an event loop, against the real Postgres with real commits."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from typing import TypeVar

import psycopg
import pytest
from asgiref.sync import sync_to_async
from django.db import connection
from psycopg_pool import AsyncConnectionPool

from eventstore.executor import Executor
from eventstore.group_submit import GroupSubmitter
from eventstore.inbox import Submitted
from eventstore.models import Command
from shop.api.hot import conninfo_of
from tests.pipeline.domain import Deposit, OpenAccount

ACTOR = "tester:group"
T = TypeVar("T")


class CountingSubmitter(GroupSubmitter):
    """Records the size of each statement's group."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.groups: list[int] = []

    async def _write(self, group):  # type: ignore[no-untyped-def]
        self.groups.append(len(group))
        return await super()._write(group)


@pytest.fixture
async def submitter(committed_db: None) -> AsyncIterator[CountingSubmitter]:
    pool = AsyncConnectionPool(
        conninfo_of(connection.settings_dict), min_size=1, max_size=4, open=False,
        kwargs={"autocommit": True},
    )  # fmt: skip
    await pool.open(wait=True)

    async def opened() -> AsyncConnectionPool:
        return pool

    yield CountingSubmitter(opened)
    await pool.close()


async def in_thread(work: Callable[[], T]) -> T:
    """Run ORM work in a thread, closing that thread's connection after (so the test
    database can be dropped at the end)."""

    def run() -> T:
        try:
            return work()
        finally:
            connection.close()

    return await sync_to_async(run, thread_sensitive=False)()


async def rows(ids: list[uuid.UUID]) -> list[Command]:
    return await in_thread(lambda: list(Command.objects.filter(pk__in=ids).order_by("seq")))


async def test_submits_arriving_together_are_written_together_each_row_whole(
    submitter: CountingSubmitter,
) -> None:
    accounts = [uuid.uuid4() for _ in range(40)]

    submitted = await asyncio.gather(
        *(
            submitter.submit(OpenAccount(a, f"owner {n}"), actor=ACTOR)
            for n, a in enumerate(accounts)
        )
    )

    ids = [s.command_id for s in submitted]
    stored = await rows(ids)
    assert sorted(c.id for c in stored) == sorted(ids)
    assert all(s.created for s in submitted)
    assert {(c.status, c.actor, c.service_name, c.operation) for c in stored} == {
        ("pending", ACTOR, "pipeline", "OpenAccount")
    }
    assert all(c.correlation_id == c.id and c.causation_id is None for c in stored)
    assert sorted(c.stream_id for c in stored) == sorted(accounts)
    assert sum(submitter.groups) == 40
    assert len(submitter.groups) < 40  # some statements held several commands


async def test_one_streams_commands_keep_the_order_they_were_submitted_in(
    submitter: CountingSubmitter,
) -> None:
    account = uuid.uuid4()
    commands = [OpenAccount(account, "owner")]
    commands += [Deposit(account, Decimal(n)) for n in range(1, 60)]

    async def arriving(n: int, command: object) -> Submitted | None:
        await asyncio.sleep(n * 0.0005)  # in waves, so that they fall in several groups
        return await submitter.submit(command, actor=ACTOR)

    submitted = await asyncio.gather(*(arriving(n, c) for n, c in enumerate(commands)))

    assert len(submitter.groups) > 1
    stored = await rows([s.command_id for s in submitted])
    assert [c.id for c in stored] == [s.command_id for s in submitted]


async def test_a_false_guard_leaves_out_that_row_alone(submitter: CountingSubmitter) -> None:
    first, refused, last = (OpenAccount(uuid.uuid4(), "owner") for _ in range(3))

    answers = await asyncio.gather(
        submitter.submit(first, actor=ACTOR, guard=("%s = 1", [1])),
        submitter.submit(refused, actor=ACTOR, guard=("%s = 1", [2])),
        submitter.submit(last, actor=ACTOR),
    )

    assert answers[1] is None
    kept = [answers[0].command_id, answers[2].command_id]
    assert [c.id for c in await rows(kept)] == kept
    refused_rows = await in_thread(Command.objects.filter(stream_id=refused.account_id).count)
    assert refused_rows == 0


async def test_a_database_error_reaches_every_submit_of_its_group_and_writes_none(
    submitter: CountingSubmitter,
) -> None:
    accounts = [uuid.uuid4() for _ in range(5)]
    broken = ("1 / (%s - 1) = 1", [1])  # division by zero in the statement

    answers = await asyncio.gather(
        *(submitter.submit(OpenAccount(a, "o"), actor=ACTOR, guard=broken) for a in accounts),
        return_exceptions=True,
    )

    assert all(isinstance(a, psycopg.errors.DivisionByZero) for a in answers)
    count = await in_thread(Command.objects.filter(stream_id__in=accounts).count)
    assert count == 0


async def test_the_executor_runs_what_was_submitted_in_a_group(
    submitter: CountingSubmitter,
) -> None:
    account = uuid.uuid4()
    opened, deposited = await asyncio.gather(
        submitter.submit(OpenAccount(account, "owner"), actor=ACTOR),
        submitter.submit(Deposit(account, Decimal("12.50")), actor=ACTOR),
    )

    await in_thread(Executor().run)

    stored = await rows([opened.command_id, deposited.command_id])
    assert [(c.status, len(c.positions)) for c in stored] == [("done", 1), ("done", 1)]
