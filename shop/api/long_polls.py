"""Long polls (`?wait=` on a command, `?after=` on a read): how many one user may hold.

A waiting request holds a server thread for up to `LEASE` seconds, so each user may have
at most `SHOP_LONG_POLL_MAX_PER_USER` at a time, counted across every server process in
Redis as slots (`shop.slots`); one more is 429. A wait's slot is freed when it ends; a
process that dies mid-wait leaves one that lapses at its lease. When Redis cannot be
reached the waits are not counted, and the API stays open, as the throttles do
(`shop.api.throttling`).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import redis
from django.conf import settings

from shop import slots
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
    member = uuid.uuid4().hex
    limit = settings.SHOP_LONG_POLL_MAX_PER_USER
    try:
        taken = _client().eval(slots.TAKE, 1, key, limit, LEASE, member)
    except redis.RedisError as error:
        log.warning("long poll not counted, Redis is unavailable: %s", error)
        return None
    if not taken:
        raise TooManyWaits()
    return member


def waiting(user_pk: int) -> int:
    """How many waits the user holds now (tests, operators)."""
    client = _client()
    return client.zcount(_key(user_pk), client.time()[0], "+inf")  # leases on Redis's clock


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
