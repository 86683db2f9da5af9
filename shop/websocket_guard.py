"""Limits on every websocket: open sockets per user, and no frames from the client.

Each signed-in socket holds one of its user's slots (`shop.slots`). The lease is renewed
while the socket is open and the slot freed when it closes; a server that crashes renews
nothing, so its slots lapse within `LEASE` seconds.
A socket past SHOP_WS_MAX_PER_USER is accepted and closed at once with 4429, so the
client can read why (a refused handshake shows it only an HTTP 403). When Redis does not
answer, sockets are let through: the limit guards against floods, the feed is the job.

Shop's sockets only push. A frame from the client closes the socket with 1008 and ends
the consumer as a disconnect would; servers also cap a frame's size (`--ws-max-size`).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
import weakref
from dataclasses import dataclass
from typing import Any

import redis.asyncio
from django.conf import settings

from shop.slots import RENEW, TAKE

log = logging.getLogger(__name__)

TOO_MANY = 4429
NO_MESSAGES = 1008
LEASE = 60
"""Seconds a slot outlives its socket's last renewal; renewed every third of it."""
POOL_SIZE = 20
"""The slots' connections to Redis per process; a slot's command holds one well under 1 ms."""
POOL_WAIT = 5
"""Seconds a slot's command waits for a connection before it gives up, as on a Redis error."""

_clients: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
"""The slots' Redis client for each event loop (`redis_client`)."""


@dataclass
class Slot:
    """One socket's place among its user's open sockets."""

    client: redis.asyncio.Redis
    key: str
    member: str
    lease: int = LEASE

    @classmethod
    def of(cls, client: redis.asyncio.Redis, user_pk: Any) -> Slot:
        prefix = settings.CHANNEL_LAYERS["default"].get("CONFIG", {}).get("prefix", "shop")
        return cls(client, f"{prefix}:ws-slots:{user_pk}", uuid.uuid4().hex)

    async def take(self, limit: int) -> bool:
        """True when taken, or when Redis cannot say; False when the user is at the limit."""
        try:
            return bool(await self.client.eval(TAKE, 1, self.key, limit, self.lease, self.member))
        except redis.RedisError as error:
            log.warning("websocket slots unknown, socket let through: %s", error)
            return True

    async def keep(self) -> None:
        """Renew the lease until cancelled."""
        while True:
            await asyncio.sleep(self.lease / 3)
            try:
                await self.client.eval(RENEW, 1, self.key, self.lease, self.member)
            except redis.RedisError as error:
                log.warning("websocket slot not renewed: %s", error)

    async def free(self) -> None:
        try:
            await self.client.zrem(self.key, self.member)
        except redis.RedisError as error:
            log.warning("websocket slot not freed, it lapses on its own: %s", error)


class SocketGuard:
    """ASGI middleware, inside the gate's authentication (it needs `scope["user"]`)."""

    def __init__(self, application: Any) -> None:
        self.application = application

    async def __call__(self, scope: dict, receive: Any, send: Any) -> Any:
        receive, send = push_only(receive, send)
        user = scope.get("user")
        if user is None or not user.is_authenticated:
            return await self.application(scope, receive, send)
        slot = Slot.of(redis_client(), user.pk)
        if not await slot.take(settings.SHOP_WS_MAX_PER_USER):
            return await refuse(receive, send, TOO_MANY, "too many open sockets")
        renewing = asyncio.create_task(slot.keep())
        try:
            return await self.application(scope, receive, send)
        finally:
            renewing.cancel()
            await slot.free()


def redis_client() -> redis.asyncio.Redis:
    """The slots' client: one per event loop (an asyncio client belongs to the loop it met).

    Its pool makes a burst of sockets take turns: redis-py's default pool raises once
    100 connections are in use, which a thousand sockets opening or renewing at once
    reached. A slot that waits `POOL_WAIT` seconds for a connection is let through, or
    left to its next renewal, as when Redis does not answer."""
    loop = asyncio.get_running_loop()
    if (client := _clients.get(loop)) is None:
        pool = redis.asyncio.BlockingConnectionPool.from_url(
            settings.REDIS_URL,
            max_connections=POOL_SIZE,
            timeout=POOL_WAIT,
            socket_timeout=1,
            socket_connect_timeout=1,
        )
        client = redis.asyncio.Redis.from_pool(pool)
        _clients[loop] = client
    return client


async def close_redis() -> None:
    """Close this loop's client, if it made one: the server is stopping (`shop.lifespan`)."""
    client = _clients.pop(asyncio.get_running_loop(), None)
    if client is not None:
        await client.aclose()


def push_only(receive: Any, send: Any) -> tuple[Any, Any]:
    """`receive` and `send` for a socket that takes no frames: the first one closes it
    (1008) and reaches the application as a disconnect. Whatever the application sends
    once the socket is closing (a live message racing its own close) is dropped."""
    closed = False

    async def receiving() -> dict:
        nonlocal closed
        message = await receive()
        if message["type"] != "websocket.receive":
            return message
        if not closed:
            closed = True
            await send({"type": "websocket.close", "code": NO_MESSAGES, "reason": "send nothing"})
        return {"type": "websocket.disconnect", "code": NO_MESSAGES}

    async def sending(message: dict) -> None:
        nonlocal closed
        if closed:
            return
        closed = message["type"] == "websocket.close"
        await send(message)

    return receiving, sending


async def refuse(receive: Any, send: Any, code: int, reason: str) -> None:
    """Complete the handshake, then close with `code`."""
    if (await receive())["type"] == "websocket.connect":
        await send({"type": "websocket.accept"})
        await send({"type": "websocket.close", "code": code, "reason": reason})
