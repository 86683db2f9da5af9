"""A subscriber's wake-up task never waits for another runner, and never drops a wake-up
that came while that runner held the subscriber (real Postgres and Redis)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import psycopg
import pytest
from django.db import connection

from eventstore import wakeups
from eventstore.store import RecordedEvent
from eventstore.subscribers import SUBSCRIBER_LOCK, Runner, Subscriber
from eventstore.subscribers import runner as running

pytestmark = pytest.mark.django_db(transaction=False)


class Counting(Subscriber):
    name = "test.woken"
    event_types = frozenset({"test.NeverRecorded"})

    def handle(self, events: Sequence[RecordedEvent]) -> None:
        raise AssertionError("no event of its type is ever recorded")


@pytest.fixture
def flag() -> Iterator[str]:
    key = wakeups._flag(wakeups.CATCH_UP, (Counting.name,))
    wakeups._redis().delete(key)
    yield key
    wakeups._redis().delete(key)


def test_a_busy_subscriber_is_left_at_once_with_its_wake_up_still_flagged(flag: str) -> None:
    wakeups._redis().set(flag, 1)
    other = psycopg.connect(**connection.get_connection_params(), autocommit=True)
    try:
        other.execute("SELECT pg_advisory_lock(%s, hashtext(%s))", [SUBSCRIBER_LOCK, Counting.name])
        runner = Runner(Counting())

        applied = runner.woken()

        assert (applied, runner.busy) == (0, True)
        assert wakeups.flagged(wakeups.CATCH_UP, Counting.name)
    finally:
        other.close()


def test_a_wake_up_during_a_run_sends_the_runner_round_again(
    flag: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    rounds: list[bool] = []
    catch_up = Runner.catch_up

    def spied(self: Runner, *args: object, **kwargs: object) -> int:
        applied = catch_up(self, *args, **kwargs)
        rounds.append(wakeups.flagged(wakeups.CATCH_UP, Counting.name))
        if len(rounds) == 1:
            wakeups._redis().set(flag, 1)  # another submit's wake-up, found busy, left
        return applied

    monkeypatch.setattr(Runner, "catch_up", spied)
    wakeups._redis().set(flag, 1)  # the wake-up this task answers

    Runner(Counting()).woken()

    assert rounds == [False, False]  # each round cleared the flag once it held the lock
    assert not wakeups.flagged(wakeups.CATCH_UP, Counting.name)


def test_a_turn_that_ends_queues_a_run_even_with_the_flag_left_up(
    flag: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: list[tuple] = []
    monkeypatch.setattr(
        wakeups.current_app, "send_task", lambda task, args, **options: sent.append((task, args))
    )
    monkeypatch.setattr(running, "TURN_SECONDS", 1e-9)  # over before its first batch
    wakeups._redis().set(flag, 1)  # left up by a task that found the subscriber busy
    runner = Runner(Counting())

    runner.woken()

    assert runner.more
    assert sent == [(wakeups.CATCH_UP, (Counting.name,))]


def test_the_executor_hands_on_when_its_turn_ends(monkeypatch: pytest.MonkeyPatch) -> None:
    from eventstore.executor import Executor

    calls: list[int] = []
    monkeypatch.setattr(Executor, "run_batch", lambda self, size: calls.append(size) or 1)
    executor = Executor()

    ran = executor.run(turn=1e-9)  # over before its first batch

    assert (ran, executor.more, calls) == (0, True, [])
    assert executor.run(max_batches=3) == 3 and not executor.more


def test_an_executor_run_with_every_slot_taken_leaves_at_once_with_its_flag_up() -> None:
    from eventstore.executor import EXECUTOR_LOCK, Executor

    key = wakeups._flag(wakeups.EXECUTE_COMMANDS, ())
    wakeups._redis().set(key, 1)
    other = psycopg.connect(**connection.get_connection_params(), autocommit=True)
    try:
        other.execute("SELECT pg_advisory_lock(%s, 0)", [EXECUTOR_LOCK])  # the one slot

        assert Executor().woken(turn=1) == 0
        assert wakeups.flagged(wakeups.EXECUTE_COMMANDS)
    finally:
        other.close()
        wakeups._redis().delete(key)


def test_an_executor_run_clears_its_flag_once_it_holds_a_slot() -> None:
    from eventstore.executor import Executor

    key = wakeups._flag(wakeups.EXECUTE_COMMANDS, ())
    wakeups._redis().set(key, 1)
    try:
        Executor().woken(turn=1)

        assert not wakeups.flagged(wakeups.EXECUTE_COMMANDS)
    finally:
        wakeups._redis().delete(key)
