"""Dataclasses to JSON and back, exactly.

Decimal travels as a string, UUID as its canonical string, datetime as ISO 8601 in UTC,
date as ISO 8601, tuples as arrays, enums as their value, nested dataclasses as objects.
Decoding is driven by the dataclass's type hints, compiled once per class.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import functools
import types
import typing
from collections.abc import Callable
from decimal import Decimal
from typing import Any
from uuid import UUID, SafeUUID

Decoder = Callable[[Any], Any]


def encode(value: Any) -> Any:
    """Turn a dataclass (or any supported value) into plain JSON values."""
    if value is None or isinstance(value, bool | int | str):
        return value
    names = _field_names(type(value))
    if names is not None:
        return {name: encode(getattr(value, name)) for name in names}
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: events store aware UTC times only")
        return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return encode(value.value)
    if isinstance(value, tuple | list):
        return [encode(item) for item in value]
    if isinstance(value, dict):
        return {str(key): encode(item) for key, item in value.items()}
    if isinstance(value, float):
        return value
    raise TypeError(f"cannot encode {type(value).__name__} to JSON")


@functools.cache
def _field_names(cls: type) -> tuple[str, ...] | None:
    """A dataclass's field names, looked up once per class; None for anything else."""
    if not dataclasses.is_dataclass(cls):
        return None
    return tuple(f.name for f in dataclasses.fields(cls))


def decode(cls: type, data: Any) -> Any:
    """Rebuild an instance of `cls` (a dataclass or a supported type) from `encode`'s output."""
    return decoder_for(cls)(data)


@functools.cache
def decoder_for(hint: Any) -> Decoder:
    if dataclasses.is_dataclass(hint):
        return _dataclass_decoder(hint)
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return _optional_decoder(hint, args)
    if origin is tuple:
        return _tuple_decoder(args)
    if origin is list:
        item = decoder_for(args[0]) if args else _identity
        return lambda data: [item(value) for value in data]
    if origin is dict:
        value_decoder = decoder_for(args[1]) if args else _identity
        return lambda data: {key: value_decoder(value) for key, value in data.items()}
    if origin is typing.Literal or hint is Any:
        return _identity
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return hint
    return _SCALARS.get(hint) or _unsupported(hint)


def _identity(data: Any) -> Any:
    return data


_new_uuid = object.__new__
_set = object.__setattr__
_UNKNOWN_SAFETY = SafeUUID.unknown


def _parse_uuid(data: str) -> UUID:
    """`UUID(data)` for the canonical form `encode` writes, without its general parser.

    Reading events turns several UUIDs per event back into objects; the standard
    constructor's normalising of every accepted spelling was the largest single cost.
    Anything not in canonical form goes through the standard constructor.
    """
    digits = data.replace("-", "")
    if len(digits) != 32 or len(data) != 36:
        return UUID(data)
    value = _new_uuid(UUID)
    _set(value, "int", int(digits, 16))
    _set(value, "is_safe", _UNKNOWN_SAFETY)
    return value


def _parse_datetime(data: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(data)
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {data!r} in stored event")
    return value.astimezone(dt.UTC)


_SCALARS: dict[Any, Decoder] = {
    str: _identity,
    int: _identity,
    bool: _identity,
    float: float,
    type(None): _identity,
    Decimal: Decimal,
    UUID: _parse_uuid,
    dt.datetime: _parse_datetime,
    dt.date: dt.date.fromisoformat,
}


def _unsupported(hint: Any) -> Decoder:
    raise TypeError(f"cannot decode a field typed {hint!r}")


def _dataclass_decoder(cls: type) -> Decoder:
    """One straight-line function per class: `cls(a=decode_a(data["a"]), ...)`.

    Bakers decode every event they read, so this is the codec's hot path; generating the
    call once beats looping over per-field decoders on every event. Payloads missing a
    field that has a default take the general path.
    """
    hints = typing.get_type_hints(cls)
    fields = [(f.name, decoder_for(hints[f.name])) for f in dataclasses.fields(cls) if f.init]

    def decode_general(data: dict) -> Any:
        return cls(**{name: decode(data[name]) for name, decode in fields if name in data})

    namespace: dict[str, Any] = {"cls": cls, "general": decode_general}
    arguments = []
    for index, (name, field_decoder) in enumerate(fields):
        if field_decoder is _identity:
            arguments.append(f"{name}=data[{name!r}]")
        else:
            namespace[f"d{index}"] = field_decoder
            arguments.append(f"{name}=d{index}(data[{name!r}])")
    source = (
        "def decode_dataclass(data):\n"
        "    try:\n"
        f"        return cls({', '.join(arguments)})\n"
        "    except KeyError:\n"
        "        return general(data)\n"
    )
    exec(source, namespace)  # the source is built from field names only, never from data
    return namespace["decode_dataclass"]


def _optional_decoder(hint: Any, args: tuple) -> Decoder:
    present = [arg for arg in args if arg is not type(None)]
    if len(present) != 1:
        raise TypeError(f"cannot decode the union {hint!r}: only `X | None` is supported")
    inner = decoder_for(present[0])
    return lambda data: None if data is None else inner(data)


def _tuple_decoder(args: tuple) -> Decoder:
    if len(args) == 2 and args[1] is Ellipsis:
        item = decoder_for(args[0])
        return lambda data: tuple(item(value) for value in data)
    decoders = [decoder_for(arg) for arg in args]
    return lambda data: tuple(d(value) for d, value in zip(decoders, data, strict=True))
