"""Long polls (`?wait=` on a command, `?after=` on a read): how many one user may hold.

A waiting request holds a server thread for up to `LEASE` seconds, so each user may have
at most `SHOP_LONG_POLL_MAX_PER_USER` at a time, counted across every server process in
Redis; one more is 429. Each wait is a member of the user's sorted set, scored with the
time its lease ends, and removed when the wait ends; a process that dies mid-wait leaves
a member that lapses at its lease. When Redis cannot be reached the waits are not
counted, and the API stays open, as the throttles do (`shop.api.throttling`).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import redis
from django.conf import settings

from shop.api.problems import Problem
from shop.api.redis_pool import SharedConnectionPool

log = logging.getLogger(__name__)

LEASE = 60
"""Seconds a wait counts at most: longer than the longest wait (`?wait=30`)."""


class TooManyWaits(Problem):
    status_code = 429
    default_detail = (
        "You have too many requests waiting (`wait` or `after`); retry when one has answered."
    )
    headers = {"Retry-After": "1"}


@contextmanager
def long_poll(user_pk: int) -> Iterator[None]:
    """Hold one of the user's waits for the `with` block; TooManyWaits past the limit."""
    key = _key(user_pk)
    member = _take(key)
    try:
        yield
    finally:
        if member is not None:
            _release(key, member)


def _take(key: str) -> str | None:
    """A new member of the user's waits; None when Redis could not count it."""
    member, now = uuid.uuid4().hex, time.time()
    try:
        pipe = _client().pipeline(transaction=True)
        pipe.zremrangebyscore(key, "-inf", now).zadd(key, {member: now + LEASE})
        _, _, held, _ = pipe.zcard(key).expire(key, LEASE).execute()
    except redis.RedisError as error:
        log.warning("long poll not counted, Redis is unavailable: %s", error)
        return None
    if held > settings.SHOP_LONG_POLL_MAX_PER_USER:
        _release(key, member)
        raise TooManyWaits()
    return member


def waiting(user_pk: int) -> int:
    """How many waits the user holds now (tests, operators)."""
    return _client().zcount(_key(user_pk), time.time(), "+inf")


def forget(user_pk: int) -> None:
    """Drop the user's waits (tests: ids restart with each database, Redis does not)."""
    _client().delete(_key(user_pk))


def _release(key: str, member: str) -> None:
    try:
        _client().zrem(key, member)
    except redis.RedisError as error:  # the member lapses at its lease
        log.warning("long poll not released, Redis is unavailable: %s", error)


def _key(user_pk: int) -> str:
    prefix = settings.CACHES["default"].get("KEY_PREFIX", "")
    return f"{prefix}:long-polls:{user_pk}"


def _client() -> redis.Redis:
    pool = SharedConnectionPool.from_url(
        settings.REDIS_URL, socket_timeout=1, socket_connect_timeout=1
    )
    return redis.Redis(connection_pool=pool)
