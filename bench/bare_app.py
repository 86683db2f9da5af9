"""The baseline of the API figures: the least an ASGI app can do per request.

`uvicorn bench.bare_app:app`, served with the same settings as Shop's, answers
`POST /bare/order` with one INSERT of the request body into `bench_api_bare` and a 202
JSON body, and `GET /bare/order/{id}` with one SELECT of that row by its primary key.
There is no framework, no authentication, no validation: whatever Shop spends beyond
this is the cost of Django, DRF and the inbox. It is natively async, as a hand-written
ASGI app would be: a psycopg async pool of `POOL_SIZE` connections, opened at lifespan
startup, so it pays no connection per request. BENCH_BARE_DATABASE_URL names the
database (the bench's fresh store).
"""

from __future__ import annotations

import json
import os
from collections.abc import Awaitable, Callable
from typing import Any

from psycopg_pool import AsyncConnectionPool

TABLE = "bench_api_bare"
CREATE_TABLE = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} (id bigserial PRIMARY KEY, body jsonb NOT NULL,"
    " created_at timestamptz NOT NULL DEFAULT now())"
)
POOL_SIZE = 16
"""One connection per client connection of the benchmark, so no request waits for one."""

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

_pool: AsyncConnectionPool | None = None


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        await lifespan(receive, send)
    elif scope["type"] == "http":
        status, body = await answer(scope, receive)
        await send_json(send, status, body)


async def lifespan(receive: Receive, send: Send) -> None:
    global _pool
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            _pool = AsyncConnectionPool(
                os.environ["BENCH_BARE_DATABASE_URL"], min_size=POOL_SIZE, max_size=POOL_SIZE,
                kwargs={"autocommit": True}, open=False,
            )  # fmt: skip
            await _pool.open(wait=True)
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            if _pool is not None:
                await _pool.close()
            await send({"type": "lifespan.shutdown.complete"})
            return


async def answer(scope: Scope, receive: Receive) -> tuple[int, object]:
    assert _pool is not None, "served without lifespan startup"
    path, method = scope["path"], scope["method"]
    if method == "POST" and path == "/bare/order":
        body = await read_body(receive)
        async with _pool.connection() as conn:
            cursor = await conn.execute(
                f"INSERT INTO {TABLE} (body) VALUES (%s::jsonb) RETURNING id", [body.decode()]
            )
            row = await cursor.fetchone()
        return 202, {"id": row[0], "status": "pending"}
    if method == "GET" and path.startswith("/bare/order/"):
        async with _pool.connection() as conn:
            cursor = await conn.execute(
                f"SELECT id, body, created_at FROM {TABLE} WHERE id = %s",
                [int(path.rsplit("/", 1)[1])],
            )
            row = await cursor.fetchone()
        if row is None:
            return 404, {"detail": "not found"}
        return 200, {"id": row[0], "body": row[1], "createdAt": row[2].isoformat()}
    if method == "GET" and path == "/bare/health":
        return 200, {"status": "ok"}
    return 404, {"detail": "not found"}


async def read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


async def send_json(send: Send, status: int, data: object) -> None:
    body = json.dumps(data).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
