"""The event store on the real Postgres: append, read, versions, append-only."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction

from eventstore.store import ConcurrencyError, ExpectedVersion, Metadata, store
from tests.eventstore.events import Colour, EverythingHappened, Line, Ticked

pytestmark = pytest.mark.django_db

ACTOR = Metadata(actor="tester")


def ticks(*numbers: int) -> list[Ticked]:
    return [Ticked(n) for n in numbers]


def test_append_returns_positions_in_order_and_sets_versions() -> None:
    stream = uuid.uuid4()

    positions = store.append(stream, "test.Clock", ticks(1, 2, 3), ExpectedVersion.NO_STREAM, ACTOR)

    assert positions == sorted(positions) and len(positions) == 3
    assert positions[2] - positions[0] == 2
    events = store.read_stream(stream)
    assert [(e.version, e.position, e.data) for e in events] == [
        (1, positions[0], Ticked(1)),
        (2, positions[1], Ticked(2)),
        (3, positions[2], Ticked(3)),
    ]
    assert store.stream_version(stream) == 3
    assert store.head_position() == positions[2]


def test_expected_version_exact_and_any() -> None:
    stream = uuid.uuid4()
    store.append(stream, "test.Clock", ticks(1), ExpectedVersion.NO_STREAM, ACTOR)

    store.append(stream, "test.Clock", ticks(2), 1, ACTOR)
    store.append(stream, "test.Clock", ticks(3), ExpectedVersion.ANY, ACTOR)

    assert [e.data.n for e in store.read_stream(stream)] == [1, 2, 3]


@pytest.mark.parametrize("expected", [ExpectedVersion.NO_STREAM, 1, 3])
def test_version_mismatch_raises_and_writes_nothing(expected: int) -> None:
    stream = uuid.uuid4()
    store.append(stream, "test.Clock", ticks(1, 2), ExpectedVersion.NO_STREAM, ACTOR)
    head = store.head_position()

    with pytest.raises(ConcurrencyError) as raised, transaction.atomic():
        store.append(stream, "test.Clock", ticks(7, 8, 9), expected, ACTOR)

    assert raised.value.actual == 2
    assert raised.value.expected == expected
    assert store.stream_version(stream) == 2
    assert [e.data.n for e in store.read_stream(stream)] == [1, 2]
    assert store.head_position() == head


def test_no_stream_on_a_fresh_stream_with_any_other_number_conflicts() -> None:
    with pytest.raises(ConcurrencyError), transaction.atomic():
        store.append(uuid.uuid4(), "test.Clock", ticks(1), 4, ACTOR)


def test_read_stream_from_and_to_version() -> None:
    stream = uuid.uuid4()
    store.append(stream, "test.Clock", ticks(1, 2, 3, 4, 5), ExpectedVersion.NO_STREAM, ACTOR)

    assert [e.data.n for e in store.read_stream(stream, from_version=3)] == [3, 4, 5]
    assert [e.data.n for e in store.read_stream(stream, 2, to_version=3)] == [2, 3]
    assert store.read_stream(uuid.uuid4()) == []
    assert store.stream_version(uuid.uuid4()) == 0


def test_read_all_after_a_position_with_a_limit() -> None:
    start = store.head_position()
    first, second = uuid.uuid4(), uuid.uuid4()
    store.append(first, "test.Clock", ticks(1, 2), ExpectedVersion.NO_STREAM, ACTOR)
    store.append(second, "test.Clock", ticks(3), ExpectedVersion.NO_STREAM, ACTOR)
    store.append(first, "test.Clock", ticks(4), 2, ACTOR)

    page = store.read_all(after=start, limit=3)
    rest = store.read_all(after=page[-1].position, limit=10)

    assert [e.data.n for e in page] == [1, 2, 3]
    assert [e.data.n for e in rest] == [4]
    assert [e.stream_id for e in page + rest] == [first, first, second, first]
    assert [e.data.n for e in store.iter_all(after=start, page=1)] == [1, 2, 3, 4]


def test_every_field_type_round_trips_exactly() -> None:
    stream = uuid.uuid4()
    cest = dt.timezone(dt.timedelta(hours=2))
    event = EverythingHappened(
        text='ünïcødé "quoted" \n',
        count=-(2**53),
        flag=False,
        amount=Decimal("3200.00"),
        ident=uuid.uuid4(),
        at=dt.datetime(2026, 3, 29, 2, 30, 15, 123456, tzinfo=cest),
        day=dt.date(2024, 2, 29),
        colour=Colour.BLUE,
        lines=(
            Line(uuid.uuid4(), Decimal("0.10"), 3),
            Line(uuid.uuid4(), Decimal("99999999999999999.99"), 1),
        ),
        pair=(7, "seven"),
        note=None,
        maybe_line=Line(uuid.uuid4(), Decimal("1.50"), 2),
        tags={"a": 1, "b": 2},
    )

    store.append(stream, "test.Everything", [event], ExpectedVersion.NO_STREAM, ACTOR)
    [recorded] = store.read_stream(stream)

    assert recorded.data == event
    assert recorded.data.at.tzinfo == dt.UTC
    assert recorded.data.amount.as_tuple() == Decimal("3200.00").as_tuple()
    with connection.cursor() as cursor:
        cursor.execute("SELECT data FROM eventstore_event WHERE stream_id = %s", [stream])
        raw = cursor.fetchone()[0]
    assert '"amount": "3200.00"' in raw
    assert '"at": "2026-03-29T00:30:15.123456Z"' in raw
    assert '"day": "2024-02-29"' in raw


def test_metadata_is_stored_with_every_event() -> None:
    stream = uuid.uuid4()
    metadata = Metadata(
        actor="alice",
        command_id=uuid.uuid4(),
        correlation_id=uuid.uuid4(),
        causation_id=uuid.uuid4(),
    )

    store.append(stream, "test.Clock", ticks(1, 2), ExpectedVersion.NO_STREAM, metadata)

    assert [e.metadata for e in store.read_stream(stream)] == [metadata, metadata]
    assert [e.stream_type for e in store.read_all(store.head_position() - 2)] == ["test.Clock"] * 2


def test_naive_datetimes_are_refused_before_anything_is_written() -> None:
    head = store.head_position()
    event = EverythingHappened(
        "x", 1, True, Decimal(1), uuid.uuid4(), dt.datetime(2026, 1, 1), dt.date(2026, 1, 1),
        Colour.RED, (), (1, "a"),
    )  # fmt: skip

    with pytest.raises(ValueError, match="naive datetime"):
        store.append(uuid.uuid4(), "test.Everything", [event], ExpectedVersion.ANY, ACTOR)

    assert store.head_position() == head


@pytest.mark.database_owner  # the triggers hold even for the owner; the app role has less
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE eventstore_event SET data = '{}' WHERE stream_id = %s",
        "DELETE FROM eventstore_event WHERE stream_id = %s",
        "TRUNCATE eventstore_event",
    ],
)
def test_the_database_refuses_to_change_events(statement: str) -> None:
    stream = uuid.uuid4()
    store.append(stream, "test.Clock", ticks(1), ExpectedVersion.NO_STREAM, ACTOR)

    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement, [stream] if "%s" in statement else [])

    assert [e.data for e in store.read_stream(stream)] == [Ticked(1)]
