"""A stream keeps the type it was created with: the append functions refuse any other."""

from __future__ import annotations

import uuid

import psycopg
import pytest
from django.db import transaction

from eventstore.states import StateCache, TakenBy
from eventstore.store import (
    ConcurrencyError,
    ExpectedVersion,
    Metadata,
    NewEvents,
    StreamTypeError,
    raw_cursor,
    store,
)
from tests.eventstore.events import Ticked

pytestmark = pytest.mark.django_db

ACTOR = Metadata(actor="tester")


def clock(stream: uuid.UUID, *numbers: int) -> list[int]:
    """A test.Clock stream with a tick for each number."""
    return store.append(
        stream, "test.Clock", [Ticked(n) for n in numbers], ExpectedVersion.ANY, ACTOR
    )


def stored(stream: uuid.UUID) -> list[tuple[str, int, int]]:
    return [(e.stream_type, e.version, e.data.n) for e in store.read_stream(stream)]


def refused_sql(statement: str, params: list) -> psycopg.Error:
    """The error the database raises for `statement`, inside a rolled-back savepoint."""
    with pytest.raises(psycopg.Error) as raised, transaction.atomic(), raw_cursor() as cursor:
        cursor.execute(statement, params)
    return raised.value


def test_the_append_function_refuses_another_type_on_an_existing_stream() -> None:
    stream = uuid.uuid4()
    clock(stream, 1)
    head = store.head_position()

    error = refused_sql(
        "SELECT eventstore_append(%s, 'test.Calendar', -1, ARRAY['test.Ticked'],"
        " ARRAY[1]::smallint[], ARRAY['{\"n\": 2}'::jsonb], '{}'::jsonb)",
        [stream],
    )

    assert error.sqlstate == "SE422"
    assert str(error).startswith(f"stream {stream} is a test.Clock, not a test.Calendar")
    assert stored(stream) == [("test.Clock", 1, 1)]
    assert store.head_position() == head


def test_the_batch_append_function_refuses_another_type_on_an_existing_stream() -> None:
    stream = uuid.uuid4()
    clock(stream, 1)
    head = store.head_position()

    error = refused_sql(
        "SELECT * FROM eventstore_append_many(ARRAY[%s]::uuid[], ARRAY['test.Calendar'],"
        " ARRAY[2], ARRAY['test.Ticked'], ARRAY[1]::smallint[], '[{\"n\": 2}]', '[{}]')",
        [stream],
    )

    assert error.sqlstate == "SE422"
    assert stored(stream) == [("test.Clock", 1, 1)]
    assert store.head_position() == head


def test_append_of_another_type_raises_and_writes_nothing() -> None:
    stream = uuid.uuid4()
    clock(stream, 1, 2)
    head = store.head_position()

    with pytest.raises(StreamTypeError) as raised, transaction.atomic():
        store.append(stream, "test.Calendar", [Ticked(3)], 2, ACTOR)

    assert (raised.value.stream_id, raised.value.stream_type, raised.value.actual) == (
        stream, "test.Calendar", "test.Clock"
    )  # fmt: skip
    assert str(raised.value) == (
        f"stream {stream} is a test.Clock stream, so it cannot take test.Calendar events"
    )
    assert stored(stream) == [("test.Clock", 1, 1), ("test.Clock", 2, 2)]
    assert store.head_position() == head


def test_append_many_with_one_stream_of_another_type_writes_nothing_at_all() -> None:
    clocks, fresh = uuid.uuid4(), uuid.uuid4()
    clock(clocks, 1)
    head = store.head_position()

    with pytest.raises(StreamTypeError) as raised, transaction.atomic():
        store.append_many([
            NewEvents(fresh, "test.Clock", [Ticked(1)], 0, ACTOR),
            NewEvents(clocks, "test.Calendar", [Ticked(2)], 1, ACTOR),
        ])  # fmt: skip

    assert (raised.value.stream_id, raised.value.actual) == (clocks, "test.Clock")
    assert stored(fresh) == []
    assert stored(clocks) == [("test.Clock", 1, 1)]
    assert store.head_position() == head


def test_append_many_never_creates_one_stream_with_two_types() -> None:
    stream = uuid.uuid4()
    head = store.head_position()

    with pytest.raises(StreamTypeError) as raised, transaction.atomic():
        store.append_many([
            NewEvents(stream, "test.Clock", [Ticked(1)], 0, ACTOR),
            NewEvents(stream, "test.Calendar", [Ticked(2)], 1, ACTOR),
        ])  # fmt: skip

    assert (raised.value.stream_type, raised.value.actual) == ("test.Calendar", "test.Clock")
    assert stored(stream) == []
    assert store.head_position() == head


def test_append_many_still_checks_versions_and_appends_the_right_type() -> None:
    stream = uuid.uuid4()
    clock(stream, 1, 2)

    with pytest.raises(ConcurrencyError) as raised, transaction.atomic():
        store.append_many([NewEvents(stream, "test.Clock", [Ticked(3)], 1, ACTOR)])
    positions = store.append_many([NewEvents(stream, "test.Clock", [Ticked(3)], 2, ACTOR)])

    assert (raised.value.stream_id, raised.value.expected, raised.value.actual) == (stream, 1, 2)
    assert stored(stream) == [("test.Clock", 1, 1), ("test.Clock", 2, 2), ("test.Clock", 3, 3)]
    assert positions == [[store.head_position()]]


def test_stream_type_is_the_type_a_stream_was_created_with() -> None:
    stream = uuid.uuid4()
    clock(stream, 1, 2)

    assert store.stream_type(stream) == "test.Clock"
    assert store.stream_type(uuid.uuid4()) is None


def test_the_state_cache_keeps_two_types_of_one_id_apart() -> None:
    stream = uuid.uuid4()
    cache = StateCache()

    cache.remember({
        ("cart.Cart", stream): ("a cart", 2),
        ("shipping.Shipment", stream): ("a shipment", 3),
        ("sales.Order", stream): (TakenBy("shipping.Shipment"), 3),
    })  # fmt: skip

    assert cache.get(("cart.Cart", stream)) == ("a cart", 2)
    assert cache.get(("shipping.Shipment", stream)) == ("a shipment", 3)
    assert cache.get(("sales.Order", stream)) is None
