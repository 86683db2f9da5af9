"""Stable names, schema versions and upcasters, read back through the real Postgres."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

import pytest

from eventstore.registry import EventRegistry, MissingUpcaster, UnknownEventType
from eventstore.store import EventStore, ExpectedVersion, Metadata

pytestmark = pytest.mark.django_db

ACTOR = Metadata(actor="tester")


@dataclass(frozen=True)
class PriceSetV1:
    cents: int


@dataclass(frozen=True)
class PriceSet:
    amount: Decimal
    currency: str


def old_store() -> EventStore:
    events = EventRegistry()
    events.register("test.PriceSet", PriceSetV1, schema_version=1)
    return EventStore(events)


def new_registry() -> EventRegistry:
    events = EventRegistry()
    events.register("test.PriceSet", PriceSet, schema_version=2)
    return events


def test_upcaster_lifts_an_old_payload_on_read() -> None:
    stream = uuid.uuid4()
    old_store().append(stream, "test.Product", [PriceSetV1(1999)], ExpectedVersion.ANY, ACTOR)
    events = new_registry()

    @events.upcaster("test.PriceSet", from_version=1)
    def cents_to_amount(data: dict) -> dict:
        return {"amount": str(Decimal(data["cents"]) / 100), "currency": "EUR"}

    [recorded] = EventStore(events).read_stream(stream)

    assert recorded.data == PriceSet(Decimal("19.99"), "EUR")


def test_upcasters_chain_one_version_at_a_time() -> None:
    events = EventRegistry()
    events.register("test.PriceSet", PriceSet, schema_version=3)
    events.upcaster("test.PriceSet", 1)(lambda d: {"amount": str(d["cents"] / 100)})
    events.upcaster("test.PriceSet", 2)(lambda d: {**d, "currency": "USD"})

    lifted = events.from_stored("test.PriceSet", 1, {"cents": 250})

    assert lifted == PriceSet(Decimal("2.5"), "USD")


def test_current_schema_version_is_stored_with_the_event() -> None:
    stream = uuid.uuid4()
    events = new_registry()

    EventStore(events).append(stream, "test.Product", [PriceSet(Decimal("1.00"), "EUR")], 0, ACTOR)

    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT type, schema_version FROM eventstore_event WHERE stream_id = %s", [stream]
        )
        assert cursor.fetchall() == [("test.PriceSet", 2)]


def test_a_missing_upcaster_is_a_clear_error() -> None:
    stream = uuid.uuid4()
    old_store().append(stream, "test.Product", [PriceSetV1(1)], ExpectedVersion.ANY, ACTOR)

    with pytest.raises(MissingUpcaster, match=r"'test.PriceSet' from schema version 1"):
        EventStore(new_registry()).read_stream(stream)


def test_an_unknown_type_on_read_names_the_type() -> None:
    stream = uuid.uuid4()
    old_store().append(stream, "test.Product", [PriceSetV1(1)], ExpectedVersion.ANY, ACTOR)

    with pytest.raises(UnknownEventType, match=r"unknown event type 'test.PriceSet'"):
        EventStore(EventRegistry()).read_stream(stream)


def test_appending_an_unregistered_class_is_refused() -> None:
    with pytest.raises(UnknownEventType, match="PriceSetV1"):
        EventStore(EventRegistry()).append(
            uuid.uuid4(), "test.Product", [PriceSetV1(1)], ExpectedVersion.ANY, ACTOR
        )


def test_a_name_cannot_be_taken_twice() -> None:
    events = new_registry()

    with pytest.raises(ValueError, match="already taken"):
        events.register("test.PriceSet", PriceSetV1)
