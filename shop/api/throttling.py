"""Per-user request rates, counted in Redis, shared by every API process.

Each allowance is a sliding-window counter: one Redis counter per fixed window, and a
request is allowed while `previous x (share of the window still ahead) + current` stays
within the rate. One pipelined round trip per request (INCR, EXPIRE, GET), whatever the
rate, where a list of timestamps would grow with it. A refused request is taken back
out of the count, so a client that keeps knocking while throttled is let in again on
time.

Both paths into the API count in the same keys: DRF's throttle classes below, and the
event loop's hot paths (`shop.api.hot`), through `Allowance.ahit`. A request the hot
path counted and then hands on to Django is not counted twice (`COUNTED`).

When Redis cannot be reached the API stays open, unthrottled, and says so in the log:
refusing every request because the limiter is down would turn a Redis outage into an
API outage. Rates are read on every request (REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]),
so settings and tests can change them.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from typing import Any

import redis
import redis.asyncio
from django.conf import settings
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

from shop.api.redis_pool import SharedConnectionPool

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

    def _keys(self, ident: str, now: float) -> tuple[str, str, float]:
        window, into = divmod(now, self.window)
        base = f"{settings.CACHES['default'].get('KEY_PREFIX', '')}:throttle:{self.scope}:{ident}"
        return f"{base}:{int(window)}", f"{base}:{int(window) - 1}", into / self.window

    def _verdict(self, current: int, previous: bytes | None, elapsed: float) -> Verdict:
        estimate = int(previous or 0) * (1 - elapsed) + current
        if estimate <= self.limit:
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
            verdict = self._verdict(current, previous, elapsed)
            if not verdict.allowed:
                client.decr(key)
            return verdict
        except redis.RedisError as error:
            log.warning("throttle not counted, Redis is unavailable: %s", error)
            return Verdict(True)

    async def ahit(self, client: redis.asyncio.Redis, ident: str) -> Verdict:
        """`hit` in the event loop, on the caller's async client."""
        key, previous_key, elapsed = self._keys(ident, time.time())
        try:
            pipe = client.pipeline(transaction=False)
            pipe.incr(key).expire(key, 2 * self.window).get(previous_key)
            current, _, previous = await pipe.execute()
            verdict = self._verdict(current, previous, elapsed)
            if not verdict.allowed:
                await client.decr(key)
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
    """Anonymous requests, per client address."""

    scope = "anon"

    def ident_of(self, request: Request) -> str | None:
        user = request.user
        return None if user and user.is_authenticated else self.get_ident(request)
