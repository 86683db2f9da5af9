"""Per-user request rates, counted in Redis, shared by every API process.

Each allowance is a sliding-window counter: one Redis counter per fixed window, and a
request is allowed while `previous x (share of the window still ahead) + current` stays
within the rate. One round trip per request (a Lua script: `HIT`), whatever the rate,
where a list of timestamps would grow with it. A refused request is taken back out of
the count in the same script, so a client that keeps knocking while throttled is let in
again on time.

DRF's throttle classes below count each API request once, as DRF checks throttles.
The websocket and long-poll slots (`shop.slots`) are a different limit: how many are
open at once, not how many per window.

When Redis cannot be reached the API stays open, unthrottled, and says so in the log:
refusing every request because the limiter is down would turn a Redis outage into an
API outage. Rates are read on every request (REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]),
so settings and tests can change them.
"""

from __future__ import annotations

import functools
import logging
import math
import time
from dataclasses import dataclass
from typing import Any

import redis
from django.conf import settings
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

from shop.api.redis_pool import SharedConnectionPool
from shop.client_address import client_address

log = logging.getLogger(__name__)

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

    def hit(self, ident: str, now: float | None = None) -> Verdict:
        """Count one request by `ident` and judge it (allowed when Redis is down)."""
        key, previous_key, elapsed = self._keys(ident, time.time() if now is None else now)
        try:
            allowed = _hit_script()(
                keys=[key, previous_key], args=[self.limit, repr(elapsed), 2 * self.window]
            )
        except redis.RedisError as error:
            log.warning("throttle not counted, Redis is unavailable: %s", error)
            return Verdict(True)
        if allowed:
            return Verdict(True)
        return Verdict(False, max(1, math.ceil(self.window * (1 - elapsed))))

    def forget(self, ident: str) -> None:
        """Drop `ident`'s counts (tests: ids restart with each database, Redis does not)."""
        key, previous_key, _ = self._keys(ident, time.time())
        _client().delete(key, previous_key)


HIT = """
local current = redis.call('INCR', KEYS[1])
if current == 1 then redis.call('EXPIRE', KEYS[1], ARGV[3]) end
local previous = tonumber(redis.call('GET', KEYS[2]) or '0')
if previous * (1 - tonumber(ARGV[2])) + current > tonumber(ARGV[1]) then
    redis.call('DECR', KEYS[1])
    return 0
end
return 1
"""
"""The sliding window's rule, counted and judged in Redis. KEYS: this window's counter and
the one before; ARGV: the limit, the share of this window gone by, the counters' time to
live. 1 when allowed; 0 when refused, and then not counted."""


@functools.cache
def _hit_scripts(url: str) -> redis.commands.core.Script:
    return _clients(url).register_script(HIT)


def _hit_script() -> redis.commands.core.Script:
    return _hit_scripts(settings.REDIS_URL)


def _client() -> redis.Redis:
    """One client per process and URL: building a client costs more than the round trip."""
    return _clients(settings.REDIS_URL)


@functools.cache
def _clients(url: str) -> redis.Redis:
    pool = SharedConnectionPool.from_url(url, socket_timeout=1, socket_connect_timeout=1)
    return redis.Redis(connection_pool=pool)


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
