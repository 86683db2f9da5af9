"""Event types used only by the event store's tests."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field
from decimal import Decimal
from uuid import UUID

from eventstore.registry import registry


class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


@dataclass(frozen=True)
class Line:
    product_id: UUID
    unit_price: Decimal
    quantity: int


@dataclass(frozen=True)
class EverythingHappened:
    text: str
    count: int
    flag: bool
    amount: Decimal
    ident: UUID
    at: dt.datetime
    day: dt.date
    colour: Colour
    lines: tuple[Line, ...]
    pair: tuple[int, str]
    note: str | None = None
    maybe_line: Line | None = None
    tags: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Ticked:
    n: int


registry.register("test.EverythingHappened", EverythingHappened)
registry.register("test.Ticked", Ticked)
