"""Wake-ups: Celery messages that tell workers there is work. Losing one loses nothing.

Postgres holds the work itself (pending commands, checkpoints behind the head), and the
sweeper on Celery beat finds whatever a lost wake-up left behind. So a wake-up that
cannot be sent, because Redis is down, is logged and dropped, never raised.

Wake-ups are coalesced: a flag in Redis says one is already queued for that target,
and the task clears the flag as it starts. A thousand submits then queue one or two
executor runs, not a thousand, while a submit that lands after a run has started still
wakes another worker, so streams keep running in parallel. A subscriber's task clears
its flag only once it holds its target (`serve`): a task that finds the target busy
leaves at once with the flag still up, and the runner that holds it goes round again
when it lets go. The executor's runs and every subscriber's follow that one protocol.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

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


@dataclass(frozen=True)
class Turn:
    """What one turn at a wake-up's target did."""

    done: int = 0  # commands executed, events applied
    held: bool = True  # False: another runner held the target, and this one did nothing
    more: bool = False  # the turn ended with work left


def serve(task: str, *args: object, turn: Callable[[Callable[[], None]], Turn]) -> int:
    """Answer a wake-up by taking turns at its target, never waiting for another runner.

    `turn(started)` tries the target's lock without waiting, calls `started()` once it
    holds it (only then is the flag cleared), works for at most a turn and lets go. A
    task that finds the target held leaves at once, its flag still up; the runner that
    holds it looks at the flag when it lets go and goes round again for it. A turn that
    ends with work left queues a successor behind the queue's other work, whatever the
    flag says (it may have been left up by a task that found the target busy). Returns
    how much was done.
    """
    done = 0
    while True:
        result = turn(lambda: started(task, *args))
        done += result.done
        if result.more:  # after letting go, so a waiting rebuild goes first
            _send(task, *args, queued=True)
            return done
        if not result.held or not flagged(task, *args):
            return done


def wake(task: str, *args: object) -> None:
    """Wake any other task by its name and arguments, coalesced as the others are."""
    _send(task, *args)


def wake_executor() -> None:
    _send(EXECUTE_COMMANDS)


def wake_subscribers(names: Iterable[str]) -> None:
    for name in names:
        _send(CATCH_UP, name)
