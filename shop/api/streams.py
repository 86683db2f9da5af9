"""One rule for the ids a client names: an id that is already the stream of another kind
of record (a cart aimed at a shipment) is 409, checked when the request is accepted.

The event store refuses such an append anyway, and the executor rejects the command;
checking here answers the client at once, says why, and stores nothing. The check reads
the stream's head row: one index probe.
"""

from __future__ import annotations

from uuid import UUID

from eventstore.commands import commands
from eventstore.store import store
from shop.api.problems import StreamTypeConflict


def require_stream_type(stream_id: UUID, stream_type: str) -> str | None:
    """The stream's type, or None while it has no events; 409 when it is another type."""
    actual = store.stream_type(stream_id)
    if actual is not None and actual != stream_type:
        raise StreamTypeConflict(
            f"{stream_id} is already the id of a {actual}, so it cannot be a {stream_type}."
            " Use a new id.",
            streamId=str(stream_id),
            streamType=actual,
        )
    return actual


def require_command_stream(command: object) -> None:
    """409 when the stream `command` addresses is of another type than its handler's."""
    handler = commands.for_command(command)
    require_stream_type(handler.stream_of(command), handler.stream_type)
