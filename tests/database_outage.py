"""The database made unreachable for a block: every new connection, from any thread,
goes to a local port that refuses it (bound by the block, never listening).

The pool keeps the address it was made with, so it is closed on the way in and out;
its wait for a connection is cut to `timeout` seconds, so a refused request answers
quickly. Connections other threads hold stay as they were.
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator

from django.db import connections


@contextlib.contextmanager
def database_unreachable(timeout: float = 1.0) -> Iterator[int]:
    """Yield the refusing port; afterwards connections go to the real database again."""
    database = connections.settings["default"]
    port, options = database["PORT"], database["OPTIONS"]
    with socket.socket() as refusing:
        refusing.bind(("127.0.0.1", 0))
        _reset()
        database["PORT"] = str(refusing.getsockname()[1])
        database["OPTIONS"] = {**options, "pool": {**options["pool"], "timeout": timeout}}
        try:
            yield refusing.getsockname()[1]
        finally:
            _reset()
            database["PORT"], database["OPTIONS"] = port, options


def _reset() -> None:
    connections.close_all()
    connections["default"].close_pool()
