"""A server process's end (shop.lifespan): uvicorn's lifespan shutdown closes the
database pool and every Redis connection the process opened; startup opens nothing."""

from __future__ import annotations

import asyncio

import psutil
import pytest
import redis
from asgiref.sync import sync_to_async
from asgiref.testing import ApplicationCommunicator
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import connection, connections

from eventstore import wakeups
from shop.api.redis_pool import SharedConnectionPool
from shop.asgi import application
from shop.websocket_guard import redis_client

pytestmark = pytest.mark.integration

TIMEOUT = 10


def database_pool_in_use() -> object:
    """The process's database pool, after a query through it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    connection.close()  # back to the pool
    return connection.pool


async def redis_clients_in_use() -> set[int]:
    """The Redis ids of one connection from each client the process keeps, in use, and
    of the channel layer's two: its subscription and the one it publishes on."""
    shared = redis.Redis(connection_pool=SharedConnectionPool.from_url(settings.REDIS_URL))
    ids = {
        await sync_to_async(shared.client_id)(),
        await sync_to_async(wakeups._redis().client_id)(),
        await redis_client().client_id(),
    }
    before = await sync_to_async(connected_from_here)()
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add("lifespan", channel)
    await layer.group_send("lifespan", {"type": "lifespan.test"})
    assert await asyncio.wait_for(layer.receive(channel), TIMEOUT) == {"type": "lifespan.test"}
    layer_ids = await sync_to_async(connected_from_here)() - before
    assert len(layer_ids) == 2
    return ids | layer_ids


def connected_to_redis() -> set[int]:
    with redis.Redis.from_url(settings.REDIS_URL) as observer:
        return {int(client["id"]) for client in observer.client_list()}


def connected_from_here() -> set[int]:
    """The Redis ids of this process's connections: Redis names each client's address."""
    mine = {f"{c.laddr.ip}:{c.laddr.port}" for c in psutil.Process().net_connections("tcp")}
    with redis.Redis.from_url(settings.REDIS_URL) as observer:
        return {int(client["id"]) for client in observer.client_list() if client["addr"] in mine}


async def lifespan(*steps: str) -> list[dict]:
    """Shop's ASGI application's answers to these lifespan events, in order."""
    server = ApplicationCommunicator(application, {"type": "lifespan"})
    answers = []
    for step in steps:
        await server.send_input({"type": f"lifespan.{step}"})
        answers.append(await server.receive_output(timeout=TIMEOUT))
    await server.wait(timeout=TIMEOUT)
    return answers


async def test_shutdown_closes_the_database_pool_and_the_redis_connections(
    committed_db: None,
) -> None:
    pool = await sync_to_async(database_pool_in_use)()
    redis_ids = await redis_clients_in_use()
    assert redis_ids <= await sync_to_async(connected_to_redis)()

    answers = await lifespan("startup", "shutdown")

    assert answers == [
        {"type": "lifespan.startup.complete"},
        {"type": "lifespan.shutdown.complete"},
    ]
    assert pool.closed
    assert "default" not in connections["default"]._connection_pools
    assert redis_ids.isdisjoint(await sync_to_async(connected_to_redis)())


async def test_a_process_that_never_used_the_database_opens_no_pool_to_close_it(
    committed_db: None,
) -> None:
    await lifespan("startup", "shutdown")  # whatever earlier tests opened is closed now

    answers = await lifespan("startup", "shutdown")

    assert answers[-1] == {"type": "lifespan.shutdown.complete"}
    assert "default" not in connections["default"]._connection_pools
