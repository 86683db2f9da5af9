"""A webhook receiver for the webhook figures, in a process of its own, and its handle.

`python -m bench.webhook_receiver PORT [ANSWER_AFTER]` serves HTTP/1.1 on 127.0.0.1 with
keep-alive, on uvloop, by hand: a POST is read up to its `Content-Length`, its
`webhook-id` and the arrival time (`time.perf_counter()`, CLOCK_MONOTONIC, the clock the
benchmark reads too) are noted, and it is answered `200` with an empty body, at once or
`ANSWER_AFTER` seconds later (a slow receiver). Nothing is parsed beyond that and
nothing is verified: the receiver must cost as little as a receiver can, so that what
is measured is the sender. `bench.webhooks` measures its ceiling with a raw keep-alive
client in the same run.

`GET /arrivals?since=N` answers the arrivals from the Nth on as JSON, and how many
requests are waiting for their answer; `GET /health` answers 200.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import uvloop

OK = b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n"
PATH = "/hooks"


class Receiving(asyncio.Protocol):
    """One connection: requests read one after the other, each answered in turn."""

    def __init__(self, server: ReceiverState) -> None:
        self.server = server
        self.buffer = bytearray()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while (end := self.buffer.find(b"\r\n\r\n")) != -1:
            head = bytes(self.buffer[:end]).decode("latin-1").split("\r\n")
            headers = dict(line.lower().split(": ", 1) for line in head[1:] if ": " in line)
            length = int(headers.get("content-length", 0))
            if len(self.buffer) < end + 4 + length:
                return  # the body is still on its way
            del self.buffer[: end + 4 + length]
            self.answer(head[0].split(" ")[:2], headers)

    def answer(self, request: list[str], headers: dict[str, str]) -> None:
        method, target = request
        if method == "POST":
            self.server.arrive(headers.get("webhook-id", ""))
            self.server.reply(self.transport, OK)
        else:
            self.transport.write(self.server.get(target))


class ReceiverState:
    def __init__(self, answer_after: float) -> None:
        self.answer_after = answer_after
        self.arrivals: list[tuple[str, float]] = []
        self.waiting = 0

    def arrive(self, message_id: str) -> None:
        self.arrivals.append((message_id, time.perf_counter()))

    def reply(self, transport: asyncio.Transport, answer: bytes) -> None:
        if not self.answer_after:
            transport.write(answer)
            return
        self.waiting += 1

        def late() -> None:
            self.waiting -= 1
            if not transport.is_closing():
                transport.write(answer)

        asyncio.get_running_loop().call_later(self.answer_after, late)

    def get(self, target: str) -> bytes:
        path, _, query = target.partition("?")
        if path == "/arrivals":
            since = int(query.removeprefix("since=") or 0)
            body = json.dumps({
                "arrivals": self.arrivals[since:], "count": len(self.arrivals),
                "waiting": self.waiting,
            })  # fmt: skip
        elif path == "/health":
            body = "{}"
        else:
            return b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n"
        data = body.encode()
        return b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n%s" % (len(data), data)


async def serve(port: int, answer_after: float) -> None:
    state = ReceiverState(answer_after)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: Receiving(state), "127.0.0.1", port, backlog=1024)
    async with server:
        await server.serve_forever()


@dataclass(frozen=True)
class Receiver:
    """The benchmark's handle on a receiver process."""

    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{PATH}"

    def _get(self, since: int) -> dict:
        url = f"http://127.0.0.1:{self.port}/arrivals?since={since}"
        with urllib.request.urlopen(url, timeout=30) as response:
            return json.loads(response.read())

    def arrivals(self, since: int = 0) -> list[tuple[str, float]]:
        """Each request's webhook-id and arrival time, from the `since`th on."""
        return [tuple(arrival) for arrival in self._get(since)["arrivals"]]

    def count(self) -> int:
        """How many requests have arrived so far."""
        return self._get(1 << 62)["count"]

    def waiting(self) -> int:
        """Requests received and not yet answered."""
        return self._get(1 << 62)["waiting"]


@contextlib.contextmanager
def receiving(log: Path, answer_after: float = 0.0) -> Iterator[Receiver]:
    """A receiver process on a free port, up until the block ends."""
    from bench.api_servers import server  # a process of its own, stopped with its group
    from shop.devstack.services import free_port

    port = free_port()
    args = [sys.executable, "-m", "bench.webhook_receiver", str(port), str(answer_after)]
    with server(args, port, "/health", log):
        yield Receiver(port)


if __name__ == "__main__":
    uvloop.run(serve(int(sys.argv[1]), float(sys.argv[2]) if len(sys.argv) > 2 else 0.0))
