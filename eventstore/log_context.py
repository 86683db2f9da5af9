"""What the log lines about a command or an event carry, bound in `structlog.contextvars`
while the executor decides the command or a subscriber handles the event.

`correlation_id` is the conversation's: the same key a request binds to its id, so one
id finds a request's lines, its commands' and theirs, across processes.
"""

from __future__ import annotations

from typing import Any

from structlog.contextvars import bind_contextvars, reset_contextvars

from eventstore.store import RecordedEvent


def of_command(command_id: Any, correlation_id: Any) -> dict[str, str]:
    return {"command_id": str(command_id), "correlation_id": str(correlation_id)}


def of_event(event: RecordedEvent) -> dict[str, str | int]:
    """An event's position, the command that recorded it and that command's conversation."""
    context: dict[str, str | int] = {"position": event.position}
    if event.metadata.command_id:
        context["command_id"] = str(event.metadata.command_id)
    if event.metadata.correlation_id:
        context["correlation_id"] = str(event.metadata.correlation_id)
    return context


class bound:
    """`structlog.contextvars.bound_contextvars` at a third of its cost (it copies the
    whole context to restore; this resets the variables' tokens): the executor binds a
    command's context for each command it decides. Lower-case, as a context manager."""

    __slots__ = ("tokens", "values")

    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values

    def __enter__(self) -> None:
        self.tokens = bind_contextvars(**self.values)

    def __exit__(self, *exc: object) -> None:
        reset_contextvars(**self.tokens)
