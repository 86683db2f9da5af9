"""Serializer building blocks: strict JSON input, money, integers, and the 202 answer.

Field names are the wire names, camelCase (`productId`), so what a view declares is
exactly what clients send and receive, errors and schema included.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.http import QueryDict
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from eventstore.models import Command
from shop.money import MONEY_RULE, currency, is_money_text


@extend_schema_field(
    {"type": "string", "format": "decimal", "pattern": r"^-?[0-9]{1,19}(\.[0-9]{1,2})?$"}
)
class MoneyField(serializers.DecimalField):
    """An amount: in, a string as `shop.money` says ("3200.00", never 3200 or "3.2e3");
    out, a string with two places."""

    default_error_messages = {"money": f"Must be {MONEY_RULE}."}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", 21)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> Decimal:
        if not is_money_text(data):
            self.fail("money")
        return super().to_internal_value(data)

    def pattern(self) -> str:
        """The texts from 0.01 up to `max_value` (a power of ten, if any), as a regex:
        the range of a positive amount, which JSON Schema can only say of numbers."""
        assert self.min_value == Decimal("0.01"), "only positive amounts have a pattern"
        cents = r"(\.[0-9]{1,2})?"
        under_one = r"0+\.(0[1-9]|[1-9][0-9]?)"
        if self.max_value is None:
            whole = self.max_digits - self.decimal_places
            return rf"^(0*[1-9][0-9]{{0,{whole - 1}}}{cents}|{under_one})$"
        digits = len(str(int(self.max_value))) - 1
        assert self.max_value == 10**digits, "a maximum is a power of ten"
        most = rf"0*1{'0' * digits}(\.00?)?"
        return rf"^(0*[1-9][0-9]{{0,{digits - 1}}}{cents}|{under_one}|{most})$"


def positive_money(maximum: Decimal | None = None, **kwargs: Any) -> MoneyField:
    """A price or an amount: more than 0."""
    return MoneyField(min_value=Decimal("0.01"), max_value=maximum, **kwargs)


@extend_schema_field(
    {
        "type": "string",
        "pattern": "^[A-Z]{3}$",
        "example": "EUR",
        "description": "ISO 4217: the currency of every amount in this object and the "
        "objects within it (the shop's one currency, SHOP_CURRENCY).",
    }
)
class CurrencyField(serializers.Field):
    """`currency`, declared right after an object's first amount: the shop's currency,
    whatever the object (`shop.money.beside` adds it the same way to stored documents)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, value: Any) -> str:
        return currency()


def is_json_integer(value: Any) -> bool:
    """A JSON integer as `json` reads it: an int, not a bool, a float such as 1.0 or a
    string such as "2"."""
    return type(value) is int


class JsonIntegerField(serializers.IntegerField):
    """An integer given as a JSON integer, nothing DRF would coerce to one. Quantities
    are these (`contexts.shared.api.quantity_field`)."""

    default_error_messages = {"integer": "Must be an integer."}

    def to_internal_value(self, data: Any) -> int:
        if not is_json_integer(data):
            self.fail("integer")
        return super().to_internal_value(data)


_JSON_TYPES: tuple[tuple[type[serializers.Field], tuple[type, ...], str], ...] = (
    (serializers.BooleanField, (bool,), "a boolean"),
    (serializers.IntegerField, (int,), "an integer"),
    (MoneyField, (str,), MONEY_RULE),
    (serializers.DecimalField, (str,), 'a string such as "12.50"'),
    (serializers.CharField, (str,), "a string"),
    (serializers.UUIDField, (str,), "a string holding a UUID"),
    (serializers.ChoiceField, (str,), "a string"),
    (serializers.DateTimeField, (str,), "an ISO 8601 date-time string"),
    (serializers.DateField, (str,), "an ISO 8601 date string"),
    (serializers.ListField, (list,), "a list"),
    (serializers.ListSerializer, (list,), "a list"),
    (serializers.Serializer, (Mapping,), "an object"),
)


def _expected(field: serializers.Field) -> tuple[tuple[type, ...], str] | None:
    for field_class, types, name in _JSON_TYPES:
        if isinstance(field, field_class):
            return types, name
    return None


class StrictSerializer(serializers.Serializer):
    """Input that refuses what DRF would quietly coerce or ignore.

    Unknown fields are errors, and each value must already have its JSON type: no "5"
    for an integer, no 5 for a string, no true for 1.

    Each instance gets its own copy of the declared fields, as in DRF, but a shallow
    one (`_fresh`): DRF's deep copy builds every field again through its constructor,
    two thirds of the cost of validating an order (`make bench` notes).
    """

    def get_fields(self) -> dict[str, serializers.Field]:
        return {name: _fresh(field) for name, field in self._declared_fields.items()}

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            errors = {
                name: ["This field is not allowed."] for name in data if name not in self.fields
            }
            for name, value in data.items():
                field = self.fields.get(name)
                if field is None or value is None or field.read_only:
                    continue
                expected = _expected(field)
                if expected and not _is_json_type(value, expected[0]):
                    errors[name] = [f"Must be {expected[1]}."]
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)


def _fresh(field: serializers.Field) -> serializers.Field:
    """A copy of a declared field for one serializer instance to bind: its own
    attributes, sharing the settings (validators, messages, choices) it only reads. A
    list's child is copied too, and belongs to the copy; a nested serializer builds its
    own fields when they are first read."""
    copied = copy.copy(field)
    copied.__dict__.pop("fields", None)
    child = getattr(field, "child", None)
    if isinstance(child, serializers.Field):
        copied.child = _fresh(child)  # bound as the declared one was, to this copy
        copied.child.parent = copied
    return copied


def _is_json_type(value: Any, types: tuple[type, ...]) -> bool:
    if isinstance(value, bool) and bool not in types:
        return False
    return isinstance(value, types)


def validated(serializer: type[serializers.Serializer], data: Any) -> Any:
    """`data` checked by `serializer`: its validated data, or ValidationError (422).

    Query parameters are checked as given: DRF reads a QueryDict as an HTML form, where
    a blank value means "not given", and the schema says a blank one is refused."""
    if isinstance(data, QueryDict):
        data = data.dict()
    given = serializer(data=data)
    given.is_valid(raise_exception=True)
    return given.validated_data


ACCEPTED_STATUSES = [Command.Status.PENDING]
"""The status a write answers its command has: pending, always (AcceptedStatusEnum)."""


class AcceptedSerializer(serializers.Serializer):
    """What every write answers (202): the command to follow at its Location.

    Subclass it to add the ids the write created (`orderId`, ...).
    """

    commandId = serializers.UUIDField(help_text="GET /api/commands/{commandId} follows it.")
    status = serializers.ChoiceField(choices=ACCEPTED_STATUSES)
