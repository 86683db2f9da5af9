"""Per-user request rates, counted in Redis, shared by every API process.

Each allowance is a sliding-window counter: one Redis counter per fixed window, and a
request is allowed while `previous x (share of the window still ahead) + current` stays
within the rate. One pipelined round trip per request (INCR, EXPIRE, GET), whatever the
rate, where a list of timestamps would grow with it. A refused request is taken back
out of the count, so a client that keeps knocking while throttled is let in again on
time.

Both paths into the API count in the same keys: DRF's throttle classes below, one
round trip per request, and the event loop's hot paths (`shop.api.hot`) through
`LoopCounter`, which batches its counts. A request the hot path counted and then hands
on to Django is not counted twice (`COUNTED`).

When Redis cannot be reached the API stays open, unthrottled, and says so in the log:
refusing every request because the limiter is down would turn a Redis outage into an
API outage. Rates are read on every request (REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]),
so settings and tests can change them.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import redis
import redis.asyncio
from django.conf import settings
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

from shop.api.redis_pool import SharedConnectionPool
from shop.client_address import client_address

log = logging.getLogger(__name__)

COUNTED = "shop.throttle_counted"
"""ASGI scope key: the hot path counted this request before handing it to Django."""

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int = 0  # seconds, when refused


@dataclass(frozen=True)
class Allowance:
    """`limit` requests per `window` seconds for one scope ("user", "anon")."""

    scope: str
    limit: int
    window: int

    @classmethod
    def named(cls, scope: str) -> Allowance | None:
        """The scope's allowance from the settings; None when it has no rate."""
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(scope)
        if not rate:
            return None
        count, period = rate.split("/")
        return cls(scope, int(count), _PERIODS[period[0]])

    def position(self, now: float) -> tuple[int, float]:
        """The number of the window `now` falls in, and the share of it gone by."""
        window, into = divmod(now, self.window)
        return int(window), into / self.window

    def key(self, ident: str, window: int) -> str:
        prefix = settings.CACHES["default"].get("KEY_PREFIX", "")
        return f"{prefix}:throttle:{self.scope}:{ident}:{window}"

    def _keys(self, ident: str, now: float) -> tuple[str, str, float]:
        window, elapsed = self.position(now)
        return self.key(ident, window), self.key(ident, window - 1), elapsed

    def judge(
        self, current: int, previous: bytes | int | None, elapsed: float, share: float = 1.0
    ) -> Verdict:
        """Whether `current` requests in this window (this one included) keep within the
        rate, or within `share` of it."""
        estimate = int(previous or 0) * (1 - elapsed) + current
        if estimate <= self.limit * share:
            return Verdict(True)
        return Verdict(False, max(1, math.ceil(self.window * (1 - elapsed))))

    def hit(self, ident: str) -> Verdict:
        """Count one request by `ident` and judge it (allowed when Redis is down)."""
        key, previous_key, elapsed = self._keys(ident, time.time())
        try:
            client = redis.Redis(connection_pool=_pool())
            pipe = client.pipeline(transaction=False)
            current, _, previous = (
                pipe.incr(key).expire(key, 2 * self.window).get(previous_key).execute()
            )
            verdict = self.judge(current, previous, elapsed)
            if not verdict.allowed:
                client.decr(key)
            return verdict
        except redis.RedisError as error:
            log.warning("throttle not counted, Redis is unavailable: %s", error)
            return Verdict(True)

    def forget(self, ident: str) -> None:
        """Drop `ident`'s counts (tests: ids restart with each database, Redis does not)."""
        key, previous_key, _ = self._keys(ident, time.time())
        redis.Redis(connection_pool=_pool()).delete(key, previous_key)


def _pool() -> redis.ConnectionPool:
    return SharedConnectionPool.from_url(
        settings.REDIS_URL, socket_timeout=1, socket_connect_timeout=1
    )


SYNC_SECONDS = 0.1
"""How long the event loop's counts may wait to be sent to Redis, and how old its
reading of the other processes' counts may be when it decides."""
NEAR = 0.8
"""Past this share of its rate, an identity's counts are read afresh for every request."""


@dataclass
class _Tally:
    """One identity's counts as the event loop knows them."""

    window: int
    current: int = 0  # in `window`: Redis's count when read, plus ours since
    previous: int = 0  # in the window before, likewise
    read_at: float = -math.inf
    unsent: dict[int, int] = field(default_factory=dict)  # ours, by window


class LoopCounter:
    """Allowances counted in the event loop (the hot paths), in the same Redis keys as
    the throttles below, without a Redis round trip per request.

    Each process decides from its own tally: the counts it last read from Redis plus the
    requests it has admitted since. It sends those to Redis (INCRBY) and reads the
    totals back in one pipeline for every busy identity, at most `SYNC_SECONDS` after
    a request; an identity not read for `SYNC_SECONDS` is read before deciding. Far
    below the rate that is all; past `NEAR` of it, and before any refusal, it sends and
    reads for each request, so the last requests of an allowance are judged on exact
    counts (the other processes' and Django's included), and Django, which answers the
    429, sees every admitted request.
    """

    def __init__(self, client: Callable[[], redis.asyncio.Redis]) -> None:
        self._client = client
        self._tallies: dict[tuple[Allowance, str], _Tally] = {}
        self._flush: asyncio.Task | None = None

    async def hit(self, allowance: Allowance, ident: str) -> Verdict:
        now = time.time()
        window, elapsed = allowance.position(now)
        key = (allowance, ident)
        tally = self._tallies.get(key)
        if tally is None or tally.window != window or now - tally.read_at > SYNC_SECONDS:
            tally = self._tallies.setdefault(key, _Tally(window))
            await self._sync([key], now)
            self._tallies[key] = tally  # `_flush_soon` may have dropped it as idle meanwhile
        elif not allowance.judge(tally.current + 1, tally.previous, elapsed, NEAR).allowed:
            await self._sync([key], now)  # near the rate: decide on fresh counts
        verdict = allowance.judge(tally.current + 1, tally.previous, elapsed)
        if not verdict.allowed:  # refuse on fresh counts only
            if await self._sync([key], now):
                verdict = allowance.judge(tally.current + 1, tally.previous, elapsed)
            else:  # Redis is down: open, as the synchronous path is
                verdict = Verdict(True)
        if verdict.allowed:
            tally.current += 1
            tally.unsent[window] = tally.unsent.get(window, 0) + 1
            self._send_soon()
        return verdict

    def _send_soon(self) -> None:
        if self._flush is None:
            self._flush = asyncio.get_running_loop().create_task(self._flush_soon())

    def refund(self, allowance: Allowance, ident: str) -> None:
        """Take back one admitted request (it was not served after all)."""
        tally = self._tallies.get((allowance, ident))
        if tally is not None:
            tally.current -= 1
            tally.unsent[tally.window] = tally.unsent.get(tally.window, 0) - 1
            self._send_soon()

    async def _flush_soon(self) -> None:
        try:
            await asyncio.sleep(SYNC_SECONDS)
            busy = [key for key, tally in self._tallies.items() if tally.unsent]
            now = time.time()
            for key in [key for key, t in self._tallies.items() if not t.unsent]:
                if now - self._tallies[key].read_at > 2 * key[0].window:
                    del self._tallies[key]  # idle: read again when it comes back
        finally:
            self._flush = None
        if busy:
            await self._sync(busy, now)

    async def _sync(self, keys: list[tuple[Allowance, str]], now: float) -> bool:
        """Send each key's unsent counts and read its two windows back; False when Redis
        could not be reached (the counts stay unsent)."""
        tallies, sent, reads = [], [], []
        pipe = self._client().pipeline(transaction=False)
        for allowance, ident in keys:
            window, _ = allowance.position(now)
            tally = self._tallies.setdefault((allowance, ident), _Tally(window))
            unsent, tally.unsent = tally.unsent, {}
            for counted, count in unsent.items():
                pipe.incrby(allowance.key(ident, counted), count)
                pipe.expire(allowance.key(ident, counted), 2 * allowance.window)
            pipe.get(allowance.key(ident, window)).get(allowance.key(ident, window - 1))
            tallies.append(tally)
            sent.append(unsent)
            reads.append(window)
        try:
            results = await pipe.execute()
        except redis.RedisError as error:
            log.warning("throttle not counted, Redis is unavailable: %s", error)
            for tally, unsent in zip(tallies, sent, strict=True):
                for counted, count in unsent.items():  # kept to send next time
                    tally.unsent[counted] = tally.unsent.get(counted, 0) + count
            return False
        cursor = 0
        for tally, unsent, window in zip(tallies, sent, reads, strict=True):
            cursor += 2 * len(unsent)
            current, previous = results[cursor], results[cursor + 1]
            cursor += 2
            tally.window, tally.read_at = window, now
            tally.current = int(current or 0) + tally.unsent.get(window, 0)
            tally.previous = int(previous or 0) + tally.unsent.get(window - 1, 0)
        return True

    async def settle(self) -> None:
        """Send what is unsent now (tests, shutdown)."""
        if self._flush is not None:
            self._flush.cancel()
            self._flush = None
        busy = [key for key, tally in self._tallies.items() if tally.unsent]
        if busy:
            await self._sync(busy, time.time())


class _Throttle(BaseThrottle):
    scope: str

    def ident_of(self, request: Request) -> str | None:
        raise NotImplementedError

    def allow_request(self, request: Request, view: Any) -> bool:
        self.verdict = Verdict(True)
        allowance = Allowance.named(self.scope)
        ident = self.ident_of(request)
        if allowance is None or ident is None:
            return True
        if getattr(request._request, "scope", {}).get(COUNTED) == f"{self.scope}:{ident}":
            return True
        self.verdict = allowance.hit(ident)
        return self.verdict.allowed

    def wait(self) -> float | None:
        return self.verdict.retry_after


class UserThrottle(_Throttle):
    """A signed-in user's requests, whatever address they come from."""

    scope = "user"

    def ident_of(self, request: Request) -> str | None:
        user = request.user
        return str(user.pk) if user and user.is_authenticated else None


class AnonThrottle(_Throttle):
    """Anonymous requests, per client address (`shop.client_address`: a client cannot
    choose it by sending X-Forwarded-For)."""

    scope = "anon"

    def ident_of(self, request: Request) -> str | None:
        user = request.user
        return None if user and user.is_authenticated else client_address(request._request)
