"""Hot paths: the API's busiest requests, answered in the event loop.

Django and DRF answer every API request, and they are the reference for what each one
answers. But they are synchronous: under ASGI every request hops to a thread of its
own, opens a database connection and walks the middleware. For the few requests a
frontend sends most (placing an order, reading one) that costs far more than the work.
`HotPaths` wraps the Django ASGI app and answers those few in uvicorn's event loop:
one async Postgres pool and one async Redis client per process, no thread.

A hot route takes only the plain case and answers exactly what Django would. Anything
else it declines, and the request goes on to Django as it came, body included:
another kind of caller or credential, an Idempotency-Key, If-Match, a query string,
another content type, a body that fails validation, a row that is not there, a database
that does not answer before the write. So every error, and every rarely used feature,
has one implementation: Django's. `tests/api/test_hot_paths.py` sends each kind of
request both ways and compares the answers and what was stored.

A route is registered by its context (`contexts.sales.hot`) and listed in
`shop.asgi.HOT_ROUTES`, as websocket routing is.
"""

from __future__ import annotations

import asyncio
import functools
import importlib
import json
import logging
import os
import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import psycopg
import redis.asyncio
from csp.utils import build_policy
from django.conf import settings
from django.http.request import split_domain_port, validate_host
from psycopg_pool import AsyncConnectionPool

from eventstore.group_submit import GroupSubmitter
from eventstore.wakeups import LoopWaker
from shop.api import problems
from shop.api.parsers import body_limit
from shop.api.throttling import COUNTED, Allowance, LoopCounter
from shop.tokens.models import ApiToken, key_digest

log = logging.getLogger(__name__)

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

DECLINED_HEADERS = frozenset(
    {b"idempotency-key", b"if-match", b"if-none-match", b"if-modified-since",
     b"if-unmodified-since", b"if-range", b"content-encoding", b"expect"}
)  # fmt: skip
"""Headers whose meaning the hot paths leave to Django."""

JSON_TYPES = frozenset({b"application/json", b"application/json; charset=utf-8"})
TOKEN = re.compile(rb"Token ([0-9a-f]{40})")
"""API token keys: 40 hex digits. Any other Authorization is Django's to judge."""

COMMON_HEADERS = (
    (b"content-type", b"application/json"),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
)
"""What Django's middleware and DRF put on every JSON answer of the API."""

KNOWN_CALLERS = 10_000
"""Tokens remembered per process; past that the memory starts over."""

POOL_SIZE = 8
"""Connections of the hot paths' pool per server process (SHOP_API_POOL_SIZE)."""


@dataclass(frozen=True)
class Caller:
    """The signed-in user behind a token: all a hot route needs of them."""

    pk: int
    is_staff: bool
    token: str
    """The digest of the token's key, as stored."""
    is_authenticated: bool = True

    @property
    def guard(self) -> tuple[str, list]:
        """An SQL condition, with its parameters, true while the token is still live
        (`ApiToken.objects.live()`) and names this user in this role: a route checks it
        in the statement it runs anyway."""
        sql, parameters = _guard_sql(self.is_staff)
        return sql, _bind(parameters, self.token, self.pk)


@dataclass
class HotRequest:
    method: str
    path: str
    params: dict[str, str]
    headers: dict[bytes, bytes]
    body: bytes
    caller: Caller
    scope: Scope
    writing: bool = False
    """Set by a route as it starts its write: from then on a database error is no
    reason to decline (Django would write again), but a 503 whose outcome is unknown."""


@dataclass(frozen=True)
class HotResponse:
    status: int
    body: bytes
    headers: tuple[tuple[bytes, bytes], ...] = ()


Handler = Callable[[HotRequest, "HotPaths"], Awaitable[HotResponse | None]]
"""A route's code: its answer, or None to decline (Django answers)."""


@dataclass(frozen=True)
class HotRoute:
    method: str
    pattern: re.Pattern[str]
    handler: Handler
    allow: bytes
    """The `Allow` header Django's view for this method and path sends."""


@dataclass
class HotPaths:
    """ASGI app: hot routes first, Django for everything else."""

    django: App
    routes: list[HotRoute]
    pool_size: int = POOL_SIZE
    _pool: AsyncConnectionPool | None = field(default=None, init=False)
    _redis: redis.asyncio.Redis | None = field(default=None, init=False)
    _callers: dict[str, Caller] = field(default_factory=dict, init=False)
    waker: LoopWaker = field(init=False)
    counter: LoopCounter = field(init=False)
    submitter: GroupSubmitter = field(init=False)
    _opening: asyncio.Lock = field(default_factory=asyncio.Lock, init=False)
    policy: bytes = field(init=False)
    """The Content-Security-Policy header django-csp sends."""

    def __post_init__(self) -> None:
        self.policy = build_policy().encode()  # read once, as Django's middleware does
        self.waker = LoopWaker(lambda: self.redis)
        self.counter = LoopCounter(lambda: self.redis)
        self.submitter = GroupSubmitter(self.pool)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["query_string"]:
            return await self.django(scope, receive, send)
        route, params = self._match(scope["method"], scope["path"])
        if route is None:
            return await self.django(scope, receive, send)
        headers = dict(scope["headers"])  # ASGI header names are lowercase
        if len(headers) != len(scope["headers"]) or not _plain(scope, headers):
            return await self.django(scope, receive, send)
        body, read = await _read_body(receive)
        answer = None
        if body is not None:
            answer = await self._answer(route, scope, params, headers, body)
        if answer is None:
            return await self.django(scope, _replay(read, receive), send)
        await _send(send, answer, route.allow, _security_headers(scope, headers, self.policy))

    def _match(self, method: str, path: str) -> tuple[HotRoute | None, dict[str, str]]:
        for route in self.routes:
            if route.method == method and (found := route.pattern.fullmatch(path)):
                return route, found.groupdict()
        return None, {}

    async def _answer(
        self, route: HotRoute, scope: Scope, params: dict[str, str],
        headers: dict[bytes, bytes], body: bytes,
    ) -> HotResponse | None:  # fmt: skip
        try:
            caller = await self.caller(headers)
        except psycopg.Error as error:
            log.warning("hot path declined, the database did not answer: %s", error)
            return None
        if caller is None:
            return None
        request = HotRequest(scope["method"], scope["path"], params, headers, body, caller, scope)
        try:
            return await route.handler(request, self)
        except psycopg.Error as error:
            if request.writing:
                log.error("hot path write failed, its outcome is unknown: %s", error)
                detail = (
                    "The database did not answer; the request may or may not have been "
                    "accepted. Send an Idempotency-Key to retry safely."
                )
                return problem_response(503, detail, (b"retry-after", b"1"))
            log.warning("hot path declined, the database did not answer: %s", error)
            return None

    # What routes use -------------------------------------------------------------------

    async def pool(self) -> AsyncConnectionPool:
        """The process's async pool (autocommit, UTC), opened on first use."""
        if self._pool is None:
            async with self._opening:
                if self._pool is None:
                    pool = AsyncConnectionPool(
                        conninfo_of(settings.DATABASES["default"]), min_size=1,
                        max_size=self.pool_size, open=False, name="shop-hot-paths",
                        kwargs={"autocommit": True, "options": "-c TimeZone=UTC"},
                    )  # fmt: skip
                    await pool.open(wait=True, timeout=10)
                    self._pool = pool
        return self._pool

    @property
    def redis(self) -> redis.asyncio.Redis:
        if self._redis is None:
            self._redis = redis.asyncio.Redis.from_url(
                settings.REDIS_URL, socket_timeout=1, socket_connect_timeout=1
            )
        return self._redis

    async def caller(self, headers: dict[bytes, bytes]) -> Caller | None:
        """Who the Authorization token names, if an active user; None for anything else.

        Known tokens are remembered, so most requests ask nothing here: a route checks
        the token again in the same statement as its own work (`Caller.guard`), and
        calls `forget` when that check fails.
        """
        match = TOKEN.fullmatch(headers.get(b"authorization", b""))
        if match is None:
            return None
        token = key_digest(match.group(1).decode())
        if (known := self._callers.get(token)) is not None:
            return known
        sql, parameters = _caller_sql()
        pool = await self.pool()
        async with pool.connection() as conn:
            cursor = await conn.execute(sql, _bind(parameters, token))
            row = await cursor.fetchone()
        if row is None:
            return None
        if len(self._callers) >= KNOWN_CALLERS:
            self._callers.clear()
        caller = self._callers[token] = Caller(pk=row[0], is_staff=row[1], token=token)
        return caller

    async def admit(self, request: HotRequest) -> bool:
        """Count the request against its caller's rate; False when over it (Django then
        answers the 429). Call it once the request is known to be answerable."""
        allowance = Allowance.named("user")
        if allowance is None:
            return True
        ident = str(request.caller.pk)
        verdict = await self.counter.hit(allowance, ident)
        if verdict.allowed:
            request.scope[COUNTED] = f"user:{ident}"
        return verdict.allowed

    def forget(self, request: HotRequest) -> None:
        """The caller's token failed its check in the route's statement: drop the
        remembered token, and take back the request's count (Django answers the 401
        without counting it)."""
        caller = request.caller
        self._callers.pop(caller.token, None)
        counted = request.scope.pop(COUNTED, None)
        allowance = Allowance.named("user")
        if counted is not None and allowance is not None:
            self.counter.refund(allowance, str(caller.pk))

    async def aclose(self) -> None:
        await self.waker.settle()
        await self.counter.settle()
        if self._pool is not None:
            await self._pool.close()
            self._pool = None
        if self._redis is not None:
            await self._redis.aclose()
            self._redis = None


def problem_response(status: int, detail: str, *headers: tuple[bytes, bytes]) -> HotResponse:
    body = json.dumps(problems.problem_body(status, detail), separators=(",", ":")).encode()
    return HotResponse(status, body, ((b"content-type", problems.MEDIA_TYPE.encode()), *headers))


def conninfo_of(database: dict[str, Any]) -> str:
    """A libpq connection string for a Django DATABASES entry."""
    parts = {
        "dbname": database["NAME"], "user": database.get("USER"),
        "password": database.get("PASSWORD"), "host": database.get("HOST"),
        "port": database.get("PORT"),
    }  # fmt: skip
    return psycopg.conninfo.make_conninfo(**{k: str(v) for k, v in parts.items() if v})


_DIGEST, _USER = "\x00digest", -1
"""Stand-ins for the key's digest and the user id in the compiled `live()` query."""


def _compiled(tokens: Any) -> tuple[str, tuple]:
    """SQL and parameters of a token query: Django compiles `ApiToken.objects.live()`
    once, so the hot path checks exactly the rule DRF's authentication checks."""
    sql, parameters = tokens.query.sql_with_params()
    assert parameters.count(_DIGEST) == 1 and parameters.count(_USER) <= 1, parameters
    return sql, parameters


def _bind(parameters: tuple, digest: str, user: int | None = None) -> list:
    stand_in = {_DIGEST: digest, _USER: user}
    return [stand_in.get(value, value) for value in parameters]


@functools.cache
def _guard_sql(is_staff: bool) -> tuple[str, tuple]:
    """Whether the live token with that digest is this user's, in this role."""
    live = ApiToken.objects.live().filter(digest=_DIGEST, user_id=_USER, user__is_staff=is_staff)
    sql, parameters = _compiled(live.values("pk"))
    return f"EXISTS ({sql})", parameters


@functools.cache
def _caller_sql() -> tuple[str, tuple]:
    """The user id and staff flag of the live token with that digest."""
    live = ApiToken.objects.live().filter(digest=_DIGEST)
    return _compiled(live.values_list("user_id", "user__is_staff"))


def _plain(scope: Scope, headers: dict[bytes, bytes]) -> bool:
    """Nothing in the headers that the hot paths leave to Django (a header sent twice,
    which Django would join, is declined before this)."""
    if any(name in DECLINED_HEADERS for name in headers) or not _host_allowed(headers):
        return False
    if settings.SECURE_SSL_REDIRECT and not _secure(scope, headers):
        return False
    if scope["method"] in ("POST", "PUT", "PATCH"):
        length = headers.get(b"content-length", b"")
        if not length.isdigit() or int(length) > body_limit():
            return False
        return headers.get(b"content-type", b"").lower() in JSON_TYPES
    return b"content-length" not in headers and b"transfer-encoding" not in headers


def _secure(scope: Scope, headers: dict[bytes, bytes]) -> bool:
    """Whether Django takes the request for https (`request.is_secure()`): the proxy's
    header when SECURE_PROXY_SSL_HEADER names one and the request carries it."""
    if settings.SECURE_PROXY_SSL_HEADER:
        meta_name, secure_value = settings.SECURE_PROXY_SSL_HEADER
        name = meta_name.removeprefix("HTTP_").replace("_", "-").lower().encode()
        if (given := headers.get(name)) is not None:
            return given.decode("latin-1").split(",", 1)[0].strip() == secure_value
    return scope.get("scheme") == "https"


def _security_headers(
    scope: Scope, headers: dict[bytes, bytes], policy: bytes
) -> list[tuple[bytes, bytes]]:
    """What django-csp and Django's SecurityMiddleware add to an answer: the policy,
    and HSTS on https."""
    added = [(b"content-security-policy", policy)]
    if settings.SECURE_HSTS_SECONDS and _secure(scope, headers):
        hsts = f"max-age={settings.SECURE_HSTS_SECONDS}"
        hsts += "; includeSubDomains" if settings.SECURE_HSTS_INCLUDE_SUBDOMAINS else ""
        hsts += "; preload" if settings.SECURE_HSTS_PRELOAD else ""
        added.append((b"strict-transport-security", hsts.encode()))
    return added


def _host_allowed(headers: dict[bytes, bytes]) -> bool:
    """The Host header names an allowed host, as Django's `request.get_host()` checks."""
    host = headers.get(b"host")
    if host is None or settings.USE_X_FORWARDED_HOST:
        return False
    allowed = settings.ALLOWED_HOSTS
    if settings.DEBUG and not allowed:
        allowed = [".localhost", "127.0.0.1", "[::1]"]
    domain, _ = split_domain_port(host.decode("latin-1"))
    return bool(domain) and validate_host(domain, allowed)


async def _read_body(receive: Receive) -> tuple[bytes | None, list[dict[str, Any]]]:
    """The whole body (None past the limit), and every message read, to replay."""
    messages, size = [], 0
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            return None, messages
        size += len(message.get("body", b""))
        if size > body_limit():
            return None, messages
        if not message.get("more_body"):
            return b"".join(m.get("body", b"") for m in messages), messages


def _replay(messages: list[dict[str, Any]], receive: Receive) -> Receive:
    """A `receive` that gives Django the messages already read, then the real ones."""
    pending = list(messages)

    async def replayed() -> dict[str, Any]:
        if pending:
            return pending.pop(0)
        return await receive()

    return replayed


async def _send(
    send: Send, answer: HotResponse, allow: bytes, security: list[tuple[bytes, bytes]]
) -> None:
    named = {name for name, _ in answer.headers}
    headers = [
        *answer.headers,
        *((name, value) for name, value in COMMON_HEADERS if name not in named),
        *security,
        (b"allow", allow),
        (b"content-length", str(len(answer.body)).encode()),
    ]
    await send({"type": "http.response.start", "status": answer.status, "headers": headers})
    await send({"type": "http.response.body", "body": answer.body})


def hot_paths(django: App, modules: Iterable[str]) -> HotPaths:
    """HotPaths over `django` with the `ROUTES` of each module named."""
    routes = [route for name in modules for route in importlib.import_module(name).ROUTES]
    size = int(os.environ.get("SHOP_API_POOL_SIZE", POOL_SIZE))
    return HotPaths(django, routes, pool_size=size)
