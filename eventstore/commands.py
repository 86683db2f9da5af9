"""The one registry that maps command types to the context that decides them.

A context's `handlers.py` describes its aggregate once (`Aggregate`: the stream a command
addresses and the pure functions of its domain) and registers each command on it with a
stable name, adding only what sets that command apart. The executor needs nothing else.
The inbox stores that name (`sales.PlaceOrder`), never the class's: a class can be
renamed or moved and a command pending under its name still finds its handler.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, is_dataclass
from typing import Any
from uuid import UUID

from eventstore.codec import decoder_for


class UnknownCommand(LookupError):
    def __init__(self, name: str) -> None:
        super().__init__(f"unknown command {name!r}: no context registered it")


@dataclass(frozen=True, kw_only=True)
class Aggregate:
    """What every command on one stream type shares: the stream it addresses, the fold of
    that stream, the decision and its rejection (the fields every `Handler` starts with)."""

    stream_type: str
    stream_of: Callable[[Any], UUID]
    initial_state: Callable[[], Any]
    evolve: Callable[[Any, Any], Any]
    decide: Callable[[Any, Any], Sequence[object]]
    rejection: type[Exception]

    def handler(self, name: str, command: type, **options: Any) -> Handler:
        """The handler of one command on this aggregate. `options` are its other `Handler`
        fields (`prepare`, `permission`, ...), or a `decide` that stands in for the
        aggregate's own (one that reads another stream first, say)."""
        shared = {field.name: getattr(self, field.name) for field in fields(Aggregate)}
        return Handler(name=name, command=command, **{**shared, **options})


@dataclass(frozen=True, kw_only=True)
class Handler(Aggregate):
    """How to execute one command type.

    `decide(state, command)` returns the new events or raises `rejection`; `evolve`
    folds events into the state, starting from `initial_state()`. `prepare`, when given,
    runs inside the executor's transaction before `decide`, to read what the command
    needs from other streams (a catalog price, say) and return the full command.

    A handler that reads other streams (`prepare` does; a `decide` wrapper may) sees
    every command that ran before it, even earlier in the same batch: the executor
    appends the batch's pending events before running it.

    `reads(command)`, when given, names the streams `prepare` reads (an order's
    products). The executor then reads those streams once for its whole batch, in one
    query, and calls `prepare(command, events)` with the events of the streams named,
    each stream's in version order; it appends the batch's pending events first only
    when some of them are on those streams. Without `reads`, `prepare(command)` reads
    for itself.

    `reserves(command)`, when given, names one more stream the command locks as it is
    claimed, as if it were its own: two commands that must never be decided at the same
    time on two workers (a cancel and a dispatch of one order) then take turns. The lock
    is tried without waiting; while another worker holds it the command, and every later
    command of its stream, stays pending for a later batch.
    """

    name: str
    """The stable name, `<context>.<Operation>`, stored in the inbox (`sales.PlaceOrder`)."""
    command: type
    prepare: Callable[..., Any] | None = None
    reads: Callable[[Any], Iterable[UUID]] | None = None
    reads_store: bool = False
    permission: str | None = None
    """The Django permission staff need to submit this command, through the API or a
    back-office button alike; None for commands staff never submit themselves."""
    reserves: Callable[[Any], UUID] | None = None

    @property
    def reads_other_streams(self) -> bool:
        return self.prepare is not None or self.reads_store

    @property
    def service(self) -> str:
        """The context: the inbox's `service_name`."""
        return self.name.partition(".")[0]

    @property
    def operation(self) -> str:
        """The command within its context: the inbox's `operation`."""
        return self.name.partition(".")[2]

    def decode(self, payload: dict) -> Any:
        return decoder_for(self.command)(payload)


class CommandRegistry:
    def __init__(self) -> None:
        self._by_name: dict[str, Handler] = {}
        self._by_class: dict[type, Handler] = {}

    def register(self, handler: Handler) -> Handler:
        """Register one command under its stable name; a name belongs to one class, and a
        class has one name."""
        if not is_dataclass(handler.command):
            raise TypeError(f"{handler.command.__name__} must be a dataclass to be a command")
        if not (handler.service and handler.operation):
            raise ValueError(f"command name {handler.name!r} is not <context>.<Operation>")
        known = self._by_name.get(handler.name)
        if known and known.command is not handler.command:
            taken_by = known.command.__qualname__
            raise ValueError(f"command name {handler.name!r} is already taken by {taken_by}")
        named = self._by_class.get(handler.command)
        if named and named.name != handler.name:
            command = handler.command.__qualname__
            raise ValueError(f"{command} is already registered as {named.name!r}")
        self._by_name[handler.name] = handler
        self._by_class[handler.command] = handler
        return handler

    def register_aggregate(
        self,
        aggregate: Aggregate,
        named: Mapping[str, type],
        per_command: Mapping[type, Mapping[str, Any]] | None = None,
        **every: Any,
    ) -> list[Handler]:
        """Register each command of `named` (stable name to class) on `aggregate`. `every`
        gives `Handler` fields all of them share (a permission), `per_command` those of
        one command class (its `prepare`, its permission), which win."""
        per_command = per_command or {}
        if strays := set(per_command) - set(named.values()):
            stray = ", ".join(sorted(getattr(k, "__qualname__", repr(k)) for k in strays))
            raise ValueError(f"options for classes that are not among the commands: {stray}")
        handlers = []
        for name, command in named.items():
            options = {**every, **per_command.get(command, {})}
            handlers.append(self.register(aggregate.handler(name, command, **options)))
        return handlers

    def for_command(self, command: object) -> Handler:
        try:
            return self._by_class[type(command)]
        except KeyError:
            raise UnknownCommand(type(command).__qualname__) from None

    def permission_for(self, command_type: type) -> str:
        """The permission staff need to submit commands of this type; LookupError for a
        type that is not registered or that staff may not submit at all."""
        handler = self._by_class.get(command_type)
        if handler is None:
            raise UnknownCommand(command_type.__qualname__)
        if handler.permission is None:
            raise LookupError(f"staff do not submit {handler.name}: it has no permission")
        return handler.permission

    def named(self, service: str, operation: str) -> Handler:
        try:
            return self._by_name[f"{service}.{operation}"]
        except KeyError:
            raise UnknownCommand(f"{service}.{operation}") from None

    def for_stream_type(self, stream_type: str) -> Handler | None:
        """A handler of commands on streams of this type: its `initial_state` and `evolve`
        fold any such stream (every command on one stream type shares them)."""
        return next((h for h in self._by_name.values() if h.stream_type == stream_type), None)

    def names(self) -> list[str]:
        return sorted(self._by_name)


commands = CommandRegistry()
"""The process-wide registry: each context's handlers module registers here."""
