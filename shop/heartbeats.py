"""Heartbeats in Redis: every Celery worker says every few seconds which queues it serves,
and every sweep says that it ran, so the readiness check (`shop.health`) can tell a
stopped worker or beat from a quiet one.

A heartbeat is a key that expires: one a stopped process no longer renews lapses by
itself, and its age is read from Redis's own clock (the lifetime it was written with,
less the time it has left), so hosts whose clocks disagree still agree on it. The
workers' step is Celery's own lever: a consumer bootstep on the worker's timer, which
runs while the worker is connected to the broker, in `make run`'s workers and in the
relay's worker alike (`shop.celery` installs it).
"""

from __future__ import annotations

import functools
import logging

import redis
from celery import bootsteps
from django.conf import settings

log = logging.getLogger(__name__)

WORKER_EVERY = 5
"""Seconds between a worker's heartbeats."""
WORKER_MAX_AGE = 30
"""A worker whose heartbeat is older has stopped (or stopped consuming)."""
SWEEP = "sweep"


def sweep_max_age() -> float:
    """A sweep older than this means beat (or every worker) has stopped: three missed
    sweeps, and never less than a worker's heartbeat allows."""
    return max(WORKER_MAX_AGE, 3 * settings.SHOP_SWEEP_SECONDS)


def worker_part(queue: str) -> str:
    return f"worker:{queue}"


def key(part: str) -> str:
    """The Redis key a part's heartbeat lives under (this deployment's queue names it)."""
    return f"{settings.CELERY_TASK_DEFAULT_QUEUE}:heartbeat:{part}"


@functools.cache
def _redis() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL, socket_timeout=1, socket_connect_timeout=1)


def beat(parts: list[str], lifetime: float, client: redis.Redis | None = None) -> None:
    """Say that `parts` are alive for the next `lifetime` seconds. Never raises: a
    heartbeat that cannot be written shows as a stale one."""
    try:
        with (client or _redis()).pipeline(transaction=False) as pipe:
            for part in parts:
                pipe.set(key(part), lifetime, px=int(lifetime * 1000))
            pipe.execute()
    except redis.RedisError as error:
        log.warning("heartbeat of %s not written: %s", ", ".join(parts), error)


def ages(client: redis.Redis, parts: list[str]) -> dict[str, float | None]:
    """Seconds since each part's last heartbeat; None when it has lapsed (or never was)."""
    with client.pipeline(transaction=False) as pipe:
        for part in parts:
            pipe.get(key(part))
            pipe.pttl(key(part))
        replies = pipe.execute()
    found: dict[str, float | None] = {}
    for part, lifetime, left in zip(parts, replies[::2], replies[1::2], strict=True):
        alive = lifetime is not None and left >= 0
        found[part] = round(max(0.0, float(lifetime) - left / 1000), 3) if alive else None
    return found


def record_sweep() -> None:
    beat([SWEEP], sweep_max_age())


class WorkerHeartbeat(bootsteps.StartStopStep):
    """A worker consumer's step: a heartbeat for each queue it consumes from, now and
    every `WORKER_EVERY` seconds while it stays connected to the broker."""

    requires = ("celery.worker.consumer.tasks:Tasks",)

    def __init__(self, parent: object, **kwargs: object) -> None:
        self.every = None
        super().__init__(parent, **kwargs)

    def start(self, parent: object) -> None:
        parts = [worker_part(queue) for queue in sorted(parent.app.amqp.queues.consume_from)]
        beat(parts, WORKER_MAX_AGE)
        self.every = parent.timer.call_repeatedly(
            WORKER_EVERY, beat, (parts, WORKER_MAX_AGE), priority=10
        )

    def stop(self, parent: object) -> None:
        if self.every is not None:
            self.every.cancel()
            self.every = None

    shutdown = stop
