"""What a batch carries: each command it claimed, and what became of it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from eventstore import log_context
from eventstore.commands import Handler
from eventstore.models import Command


@dataclass
class Claimed:
    id: UUID
    service_name: str
    operation: str
    stream_id: UUID
    payload: dict
    actor: str
    correlation_id: UUID
    causation_id: UUID | None


@dataclass
class Outcome:
    command: Claimed
    status: Command.Status = Command.Status.DONE
    error: dict | None = None
    handler: Handler | None = None
    events: list[object] = field(default_factory=list)
    expected_version: int = 0
    positions: list[int] = field(default_factory=list)


def context(command: Claimed) -> dict[str, str]:
    return log_context.of_command(command.id, command.correlation_id)


def initial(handler: Handler) -> tuple[Any, int]:
    return handler.initial_state(), 0
