"""Work on a connection of its own, for tests of what two connections do at once."""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connection


def in_thread(work: Callable[[], None]) -> threading.Thread:
    """Run `work` in a started thread, on a connection of its own, closed when it is done."""

    def run() -> None:
        try:
            work()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread
