"""Read-your-writes: wait until a command shows in the tables an endpoint reads.

A command has executed once it is no longer pending. Its events are in a presentation
table once every baker that feeds the endpoint, and wants those event types, has a
checkpoint at or past their positions. A rejected or failed command produced nothing
to wait for.

A command's effects include what it caused: a checkout's events make a receptor place
the order, whose events issue an invoice. So the wait covers the command's causal tree
(commands whose causation is one of it, transitively, and that are due now), and every
receptor that wants the tree's events must have passed them, so the tree is complete.

The wait polls Postgres, each query a fresh snapshot, at pauses growing from `POLL` to
`MAX_POLL` seconds. Between polls it holds no database connection: Postgres serves a
fixed number, and they are for requests that work, not for requests that wait. Each
poll opens one, which costs Postgres a new backend, hence pauses that grow: a command
that executes at once is seen within tens of milliseconds, a slow one costs two
connections a second. Under ASGI each request runs in a thread of its own, so a waiting
request holds its thread, and one of its user's few waits (`shop.api.long_polls`).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Sequence
from uuid import UUID

from django.db import connection
from rest_framework import exceptions
from rest_framework.request import Request

from eventstore.models import Command
from eventstore.subscribers import Receptor, registry
from shop.api.auth import actors_of
from shop.api.long_polls import long_poll
from shop.api.problems import NotYetConsistent
from shop.rights import may_read_all

POLL = 0.02
MAX_POLL = 0.5
AFTER_TIMEOUT = 10.0
AFTER = "after"


def visible_command(request: Request, command_id: UUID) -> Command | None:
    """The command if this user may see it: they submitted it, or they are staff who may
    read the command inbox (`eventstore.view_command`, as its admin page requires)."""
    user = request.user
    if not (user and user.is_authenticated):
        return None
    commands = Command.objects.filter(pk=command_id)
    if not may_read_all(user, Command):
        commands = commands.filter(actor__in=actors_of(user))
    return commands.first()


def read_after(request: Request, fed_by: Sequence[str], timeout: float | None = None) -> None:
    """Honour `?after=<commandId>` before a read, or raise 422 / 503.

    An `after` that is not a UUID, or names no command this user may see (see
    `visible_command`), is 422: the parameter is wrong, the resource itself may be fine.
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
    if wait_until_visible(command_id, fed_by, 0, causal=True):
        return  # visible already: no wait to count
    with long_poll(request.user.pk):
        wait = AFTER_TIMEOUT if timeout is None else timeout
        visible = wait_until_visible(command_id, fed_by, wait, causal=True)
    if not visible:
        raise NotYetConsistent(f"Command {command_id} is not reflected here yet; retry shortly.")


def wait_until_visible(
    command_id: UUID, bakers: Sequence[str], timeout: float, causal: bool = False
) -> bool:
    """True once the command has executed and `bakers` have caught up with its events;
    with `causal`, the same for everything it caused, the receptors included."""
    deadline = time.monotonic() + timeout
    receptors = [s.name for s in registry.all() if isinstance(s, Receptor)] if causal else []
    pauses = _pauses(deadline)
    while True:
        statuses, positions = _causal_tree(command_id, causal)
        if Command.Status.PENDING not in statuses:
            targets = _targets(positions, [*bakers, *receptors])
            if _caught_up(targets) and _causal_tree(command_id, causal) == (statuses, positions):
                return True
        if (pause := next(pauses)) is None:
            return False
        _pause(pause)


def _causal_tree(command_id: UUID, causal: bool) -> tuple[list[str], list[int]]:
    """The statuses of the command (and, if `causal`, its due descendants) and all their
    positions."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH RECURSIVE tree AS (
                SELECT id, status, positions FROM eventstore_command WHERE id = %s
                UNION
                SELECT c.id, c.status, c.positions
                FROM eventstore_command AS c JOIN tree ON c.causation_id = tree.id
                WHERE %s AND c.not_before <= now()
            )
            SELECT status, positions FROM tree ORDER BY id
            """,
            [command_id, causal],
        )
        rows = cursor.fetchall()
    statuses = [status for status, _ in rows]
    positions = sorted(
        p for _, raw in rows for p in (json.loads(raw) if isinstance(raw, str) else raw)
    )
    return statuses, positions


def wait_while_pending(command_id: UUID, timeout: float) -> None:
    """Hold until the command is no longer pending, or `timeout` seconds have passed."""
    pending = Command.objects.filter(pk=command_id, status=Command.Status.PENDING)
    pauses = _pauses(time.monotonic() + timeout)
    while pending.exists() and (pause := next(pauses)) is not None:
        _pause(pause)


def _pauses(deadline: float) -> Iterator[float | None]:
    """The pauses between polls until `deadline` (monotonic), then None: stop."""
    pause = POLL
    while (left := deadline - time.monotonic()) > 0:
        yield min(pause, left)
        pause = min(pause * 1.5, MAX_POLL)
    yield None


def _pause(seconds: float) -> None:
    """Sleep holding no database connection (the next query opens one). Inside a
    transaction the connection is the transaction's, and stays."""
    if not connection.in_atomic_block:
        connection.close()
    time.sleep(seconds)


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
