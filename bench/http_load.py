"""A small HTTP/1.1 load generator: keep-alive connections over raw asyncio sockets.

The machine has two cores, shared by the server under test, Postgres and this client, so
the client must cost little per request: each request's bytes are built once, and a
response is read as a status line, headers up to a blank line and `Content-Length` bytes
(both servers measured send one; anything else is an error, not a guess). It runs on
uvloop. Two modes:

- closed loop (`saturate`): every connection sends its next request as soon as the last
  answer arrives, for throughput;
- open loop (`at_rate`): request n is due at start + n / rate and goes out on the first
  free connection; its latency runs from when it was *due*, so a stall that delays
  later sends is counted against them instead of hidden (no coordinated omission).
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field

import uvloop

from bench.timing import Samples


@dataclass(frozen=True)
class Request:
    """One request, encoded once, to send again and again."""

    method: str
    path: str
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""

    def encode(self, host: str) -> bytes:
        lines = [f"{self.method} {self.path} HTTP/1.1", f"Host: {host}"]
        lines += [f"{name}: {value}" for name, value in self.headers]
        if self.body or self.method in {"POST", "PUT", "PATCH"}:
            lines.append(f"Content-Length: {len(self.body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + self.body


@dataclass
class Result:
    """Latencies of the answered requests over `wall` seconds, and every status seen."""

    samples: Samples = field(default_factory=Samples)
    statuses: Counter[int] = field(default_factory=Counter)

    @property
    def unexpected(self) -> int:
        return sum(n for status, n in self.statuses.items() if status not in EXPECTED)

    def add(self, other: Result) -> None:
        self.samples.add(other.samples)
        self.statuses.update(other.statuses)


EXPECTED = frozenset({200, 202})
Link = tuple[asyncio.StreamReader, asyncio.StreamWriter]


async def _exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, payload: bytes
) -> int:
    """Send one request, read its whole answer; its status."""
    writer.write(payload)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = None
    for line in head.split(b"\r\n")[1:]:
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    if length is None:
        raise RuntimeError(f"an answer without Content-Length: {head[:300]!r}")
    await reader.readexactly(length)
    return status


async def _warm_links(port: int, payload: bytes, connections: int) -> list[Link]:
    """Open the connections, each with one untimed exchange (the server's first-use costs);
    a warm-up answered with anything but success means the measurement would be wrong."""
    links = []
    for _ in range(connections):
        link = await asyncio.open_connection("127.0.0.1", port, limit=1 << 20)
        status = await _exchange(*link, payload)
        if status not in EXPECTED:
            raise RuntimeError(f"warm-up request answered {status}")
        links.append(link)
    return links


async def _saturate(port: int, request: Request, connections: int, seconds: float) -> Result:
    payload = request.encode(f"127.0.0.1:{port}")
    result = Result()
    links = await _warm_links(port, payload, connections)

    async def run(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while time.perf_counter() < deadline:
            sent = time.perf_counter()
            status = await _exchange(reader, writer, payload)
            result.samples.latencies.append(time.perf_counter() - sent)
            result.statuses[status] += 1

    started = time.perf_counter()
    deadline = started + seconds
    await asyncio.gather(*(run(*link) for link in links))
    result.samples.wall = time.perf_counter() - started
    result.samples.events = len(result.samples.latencies)
    for _, writer in links:
        writer.close()
    return result


async def _at_rate(
    port: int, request: Request, connections: int, rate: float, seconds: float
) -> Result:
    payload = request.encode(f"127.0.0.1:{port}")
    result = Result()
    links = await _warm_links(port, payload, connections)
    count = max(1, round(rate * seconds))
    next_index = 0

    async def run(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal next_index
        while next_index < count:
            due = started + next_index / rate
            next_index += 1
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            status = await _exchange(reader, writer, payload)
            result.samples.latencies.append(time.perf_counter() - due)
            result.statuses[status] += 1

    started = time.perf_counter()
    await asyncio.gather(*(run(*link) for link in links))
    result.samples.wall = time.perf_counter() - started
    result.samples.events = len(result.samples.latencies)
    for _, writer in links:
        writer.close()
    return result


def saturate(port: int, request: Request, connections: int, seconds: float) -> Result:
    """`connections` clients sending back to back for `seconds`: throughput."""
    return uvloop.run(_saturate(port, request, connections, seconds))


def at_rate(port: int, request: Request, connections: int, rate: float, seconds: float) -> Result:
    """`rate` x `seconds` requests on a fixed schedule over `connections`: latency."""
    return uvloop.run(_at_rate(port, request, connections, rate, seconds))
