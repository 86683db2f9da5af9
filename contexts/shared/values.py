"""Money, addresses and statuses, as every context records them in its events and tables."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import TypeVar
from uuid import UUID

S = TypeVar("S", bound=StrEnum)
CENT = Decimal("0.01")
MAX_QUANTITY = 1000
IDS = uuid.UUID("5e1f0c8a-3d41-4c8e-9b7a-2f6d1e0a9c44")
"""Namespace for ids derived from other ids (an order's invoice, a checkout's order)."""


def money(amount: Decimal | int | str) -> Decimal:
    """Exactly two places; the one rounding rule of the whole system."""
    return Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)


def derived_id(kind: str, source: UUID) -> UUID:
    """A deterministic id for the `kind` that `source` leads to, the same on every replay."""
    return uuid.uuid5(IDS, f"{kind}:{source}")


def fresh_id(kind: str) -> UUID:
    """A new id for a `kind` a receptor creates later (a checkout's order): unguessable,
    and of the version `derived_id` makes, which no client may create a stream at."""
    return derived_id(kind, uuid.uuid4())


def may_be_derived(stream_id: UUID) -> bool:
    """Whether `stream_id` is of the version (5) `derived_id` and `fresh_id` make.

    A client never creates a stream at such an id: it may be the id of a record still to
    come, such as the shipment of an order not paid yet, and taking it would wedge that.
    """
    return stream_id.version == 5


@dataclass(frozen=True)
class Address:
    name: str
    line1: str
    city: str
    postal_code: str
    country: str
    line2: str = ""


def stored(statuses: Iterable[S]) -> list[S]:
    """The statuses a table stores and the API serves: all but "new", an aggregate's
    status before its first event."""
    return [status for status in statuses if status != "new"]


def choice_members(statuses: Iterable[StrEnum]) -> list[tuple[str, tuple[str, str]]]:
    """The stored statuses as members of a Django `TextChoices`, labelled for people
    ("awaiting_dispatch" is "Awaiting dispatch")."""
    return [(s.name, (s.value, s.value.replace("_", " ").capitalize())) for s in stored(statuses)]
