"""A serializer as a plain function: documents rendered often, in the shape a serializer
declares, without building a serializer for each.

`Serializer(row).data` copies the declared fields for every object it is given, several
times the cost of the values themselves; a document rendered at every change (an
order's page, stored by its baker) cannot pay that. `renderer` binds the serializer
once and keeps each field's source and its own `to_representation`, so the values are
DRF's and the serializer stays the one definition of the shape, its schema included.
A field the server adds as it serves (`CurrencyField`) is left out: stored documents
never hold it, and `shop.money.beside` adds it where the serializer declares it.
"""

from __future__ import annotations

import datetime as dt
import functools
import operator
from collections.abc import Callable
from typing import Any

from rest_framework import serializers

from shop.api.serializers import CurrencyField

Render = Callable[[Any], Any]
Field = tuple[str, Render, Render]


@functools.cache
def renderer(serializer: type[serializers.Serializer]) -> Callable[[Any], dict[str, Any]]:
    """Render an object as `serializer` would, less the fields added as served."""
    return _render(serializer())


def _render(serializer: serializers.Serializer) -> Callable[[Any], dict[str, Any]]:
    fields: list[Field] = [
        (name, _getter(field), _encoder(field))
        for name, field in serializer.fields.items()
        if not isinstance(field, CurrencyField)
    ]

    def render(instance: Any) -> dict[str, Any]:
        return {
            name: None if (value := get(instance)) is None else encode(value)
            for name, get, encode in fields
        }

    return render


def _getter(field: serializers.Field) -> Render:
    """As `Field.get_attribute`, for objects (never mappings): `*` is the object itself."""
    return _itself if field.source == "*" else operator.attrgetter(field.source)


def _encoder(field: serializers.Field) -> Render:
    if isinstance(field, serializers.DateTimeField) and not hasattr(field, "timezone"):
        field.timezone = dt.UTC  # a stored time is in UTC, whatever zone a request chose
    if isinstance(field, serializers.ListSerializer):
        item = _render(field.child)
        return lambda values: [item(value) for value in values]
    if isinstance(field, serializers.Serializer):
        return _render(field)
    return field.to_representation


def _itself(value: Any) -> Any:
    return value
