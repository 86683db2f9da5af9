"""Wake-ups: Celery messages that tell workers there is work. Losing one loses nothing.

Postgres holds the work itself (pending commands, checkpoints behind the head), and the
sweeper on Celery beat finds whatever a lost wake-up left behind. So a wake-up that
cannot be sent, because Redis is down, is logged and dropped, never raised.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from celery import current_app

log = logging.getLogger(__name__)

EXECUTE_COMMANDS = "eventstore.execute_commands"
CATCH_UP = "eventstore.catch_up"


def _send(task: str, *args: object) -> None:
    try:
        current_app.send_task(task, args=args, retry=False, ignore_result=True)
    except Exception as error:  # the sweeper will pick the work up; see module docstring
        log.warning("wake-up %s%r not sent (%s); the sweeper will catch up", task, args, error)


def wake_executor() -> None:
    _send(EXECUTE_COMMANDS)


def wake_subscribers(names: Iterable[str]) -> None:
    for name in names:
        _send(CATCH_UP, name)
