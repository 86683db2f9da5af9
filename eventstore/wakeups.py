"""Wake-ups: Celery messages that tell workers there is work. Losing one loses nothing.

Postgres holds the work itself (pending commands, checkpoints behind the head), and the
sweeper on Celery beat finds whatever a lost wake-up left behind. So a wake-up that
cannot be sent, because Redis is down, is logged and dropped, never raised.

Wake-ups are coalesced: a flag in Redis says one is already queued for that target,
and the task clears the flag as it starts. A thousand submits then queue one or two
executor runs, not a thousand, while a submit that lands after a run has started still
wakes another worker, so streams keep running in parallel. A subscriber's task clears
its flag only once it holds the subscriber (`subscribers.Runner.woken`): a task that
finds the subscriber busy leaves at once with the flag still up, and the runner that
holds it goes round again when it lets go.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable

import redis
from celery import current_app
from django.conf import settings

log = logging.getLogger(__name__)

EXECUTE_COMMANDS = "eventstore.execute_commands"
CATCH_UP = "eventstore.catch_up"
FLAG_SECONDS = 5  # a flag whose message was lost expires, so wake-ups resume by themselves


@functools.cache
def _redis() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL, socket_timeout=1, socket_connect_timeout=1)


def close() -> None:
    """Disconnect this process's wake-up client, if it made one, as the process ends."""
    if _redis.cache_info().currsize:
        _redis().close()


def _flag(task: str, args: tuple) -> str:
    return f"{settings.CELERY_TASK_DEFAULT_QUEUE}:wake:{task}:{':'.join(map(str, args))}"


def _send(task: str, *args: object, queued: bool = False) -> None:
    """Send a wake-up unless the flag says one is queued already; `queued=True` sends
    one whatever the flag says (a runner handing on the rest of its work)."""
    try:
        if not _redis().set(_flag(task, args), 1, nx=not queued, ex=FLAG_SECONDS):
            return  # one is queued already and has not started
        current_app.send_task(task, args=args, retry=False, ignore_result=True)
    except Exception as error:  # the sweeper will pick the work up; see module docstring
        log.warning("wake-up %s%r not sent (%s); the sweeper will catch up", task, args, error)


def started(task: str, *args: object) -> None:
    """Called by a woken task as it starts: later work needs a new wake-up."""
    try:
        _redis().delete(_flag(task, args))
    except Exception as error:  # the flag expires by itself
        log.warning("wake-up flag for %s%r not cleared (%s)", task, args, error)


def flagged(task: str, *args: object) -> bool:
    """Whether a wake-up for this target was sent since its flag was last cleared. False
    when Redis cannot say: no wake-up could be sent either, and the sweeper catches up."""
    try:
        return bool(_redis().exists(_flag(task, args)))
    except Exception as error:
        log.warning("wake-up flag for %s%r not read (%s)", task, args, error)
        return False


def wake(task: str, *args: object) -> None:
    """Wake any other task by its name and arguments, coalesced as the others are."""
    _send(task, *args)


def hand_on_task(task: str, *args: object) -> None:
    """Queue another run of this task even if one is flagged: the turn that ends hands on."""
    _send(task, *args, queued=True)


def wake_executor() -> None:
    _send(EXECUTE_COMMANDS)


def wake_subscribers(names: Iterable[str]) -> None:
    for name in names:
        _send(CATCH_UP, name)


def hand_on_commands() -> None:
    """Queue another executor run even if one is flagged: the turn that ends hands on."""
    _send(EXECUTE_COMMANDS, queued=True)


def hand_on(name: str) -> None:
    """Queue a run of this subscriber even if its flag is up: the flag may have been left
    by a task that found the subscriber busy and queued nothing more."""
    _send(CATCH_UP, name, queued=True)
