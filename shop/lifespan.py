"""A server process's end: the pools it opened, closed as it stops.

Each process opens Django's database pool and Redis pools on first use, so starting
needs nothing. Stopping closes them, so Postgres and Redis see each connection end
cleanly rather than a socket torn down with the process. uvicorn (`shop.asgi`) says when
with the ASGI lifespan protocol (`application`). granian's WSGI workers (`shop.wsgi`)
have no lifespan: each is a forked multiprocessing child that ends through
multiprocessing's exit handlers and never runs `atexit`, so `close_at_exit` registers
the close there, where it also runs at an ordinary interpreter exit.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from multiprocessing import util
from typing import Any

from asgiref.sync import sync_to_async
from channels.layers import channel_layers
from django.db import connections

from eventstore import wakeups
from shop import websocket_guard
from shop.api import redis_pool
from shop.channel_layer import BoundedPubSubChannelLayer

log = logging.getLogger(__name__)


async def application(scope: dict, receive: Any, send: Any) -> None:
    """The ASGI lifespan protocol: startup opens nothing, shutdown closes every pool."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await close_async_pools()
            await sync_to_async(close_pools)()
            await send({"type": "lifespan.shutdown.complete"})
            return


async def close_async_pools() -> None:
    """The pools of the running event loop: the socket slots' Redis client, and the
    channel layer's subscription and connections (channels_redis would close them only
    as the loop closes)."""
    await websocket_guard.close_redis()
    for layer in list(channel_layers.backends.values()):
        if isinstance(layer, BoundedPubSubChannelLayer):
            await layer.close_connections()


def close_pools() -> None:
    """The blocking ones: Django's database pools and the shared Redis pools. Each step
    runs even if one before it failed: a failure is logged, the process ends anyway."""
    for close in (close_database_pools, redis_pool.close_all, wakeups.close):
        try:
            close()
        except Exception:
            log.exception("%s failed as the process stopped", close.__qualname__)
    log.info("Closed this process's database and Redis pools")


def close_database_pools() -> None:
    """Every alias's pool that this process opened (asking a connection for its pool
    would open one)."""
    for alias in connections:
        connection = connections[alias]
        if alias in getattr(connection, "_connection_pools", {}):
            connection.close_pool()


def close_at_exit(close: Callable[[], None] = close_pools) -> None:
    """Run `close` as this process exits: a multiprocessing child (granian's worker), or
    any process that exits normally."""
    util.Finalize(None, close, exitpriority=0)
