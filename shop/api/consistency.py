"""Read-your-writes: wait until a command shows in the tables an endpoint reads.

A command has executed once it is no longer pending. Its events are in a presentation
table once every baker that feeds the endpoint, and wants those event types, has a
checkpoint at or past their positions. A rejected or failed command produced nothing
to wait for.

The wait polls Postgres (every `POLL` seconds, each query a fresh snapshot); under ASGI
each request runs in a thread of its own, so a waiting request holds only its thread.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from uuid import UUID

from django.db import connection
from rest_framework import exceptions
from rest_framework.request import Request

from eventstore.models import Command
from eventstore.subscribers import registry
from shop.api.auth import actors_of, is_staff
from shop.api.problems import NotYetConsistent

POLL = 0.02
AFTER_TIMEOUT = 10.0
AFTER = "after"


def visible_command(request: Request, command_id: UUID) -> Command | None:
    """The command if this user may see it: its actor, or staff."""
    user = request.user
    if not (user and user.is_authenticated):
        return None
    commands = Command.objects.filter(pk=command_id)
    if not is_staff(user):
        commands = commands.filter(actor__in=actors_of(user))
    return commands.first()


def read_after(request: Request, fed_by: Sequence[str], timeout: float | None = None) -> None:
    """Honour `?after=<commandId>` before a read, or raise 422 / 503.

    An `after` that is not a UUID, or names no command this user submitted (staff: no
    command at all), is 422: the parameter is wrong, the resource itself may be fine.
    """
    raw = request.query_params.get(AFTER)
    if raw is None:
        return
    try:
        command_id = UUID(raw)
    except ValueError:
        raise exceptions.ValidationError({AFTER: ["Must be a command id (a UUID)."]}) from None
    if visible_command(request, command_id) is None:
        raise exceptions.ValidationError({AFTER: ["You have submitted no such command."]})
    if not wait_until_visible(command_id, fed_by, AFTER_TIMEOUT if timeout is None else timeout):
        raise NotYetConsistent(f"Command {command_id} is not reflected here yet; retry shortly.")


def wait_until_visible(command_id: UUID, bakers: Sequence[str], timeout: float) -> bool:
    """True once the command has executed and `bakers` have caught up with its events."""
    deadline = time.monotonic() + timeout
    targets: dict[str, int] | None = None
    while True:
        if targets is None:
            status, positions = Command.objects.values_list("status", "positions").get(
                pk=command_id
            )
            if status in (Command.Status.REJECTED, Command.Status.FAILED):
                return True
            if status == Command.Status.DONE:
                targets = _targets(positions, bakers)
        if targets is not None and _caught_up(targets):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(POLL)


def wait_while_pending(command_id: UUID, timeout: float) -> None:
    """Hold until the command is no longer pending, or `timeout` seconds have passed."""
    deadline = time.monotonic() + timeout
    pending = Command.objects.filter(pk=command_id, status=Command.Status.PENDING)
    while pending.exists() and time.monotonic() < deadline:
        time.sleep(POLL)


def _targets(positions: Sequence[int], bakers: Sequence[str]) -> dict[str, int]:
    """Each baker's position to reach: its last wanted event among the command's."""
    if not positions:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT position, type FROM eventstore_event WHERE position = ANY(%s)",
            [list(positions)],
        )
        events = cursor.fetchall()
    targets = {}
    for name in bakers:
        wanted = registry.named(name).event_types
        mine = [position for position, kind in events if wanted is None or kind in wanted]
        if mine:
            targets[name] = max(mine)
    return targets


def _caught_up(targets: dict[str, int]) -> bool:
    if not targets:
        return True
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, position FROM eventstore_checkpoint WHERE name = ANY(%s)",
            [list(targets)],
        )
        reached = dict(cursor.fetchall())
    return all(reached.get(name, 0) >= target for name, target in targets.items())
