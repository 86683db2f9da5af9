"""Many order-feed sockets in one process: `python -m bench.feed_clients`, for `bench.fanout`.

A thousand sockets as threads of the measuring process would make the client the
bottleneck (a thread per socket, all behind one GIL beside the submitting threads), so
`bench.fanout` starts one or two of these processes, each holding its share of the
sockets on one asyncio event loop (the `websockets` asyncio client), and talks to it
over stdin and stdout, one JSON object a line:

- in: `{"url", "origin", "counted": [event types], "sockets": [{"name", "token",
  "after"}]}`, then, once the measuring is over, `stop`;
- out: `{"connected": <sockets>, "seconds": <to open them all>}` once every socket is
  open, then `{"counted": <n>}` every `PROGRESS_SECONDS` (messages of the counted event
  types received so far, over every socket), and after `stop` one `{"sockets": {name:
  Tally}, "cpu": <s>, "wall": <s>, "loop_lag": <s, the worst>}`.

Arrival times are `time.perf_counter()`, CLOCK_MONOTONIC on Linux: one clock for every
process on the machine, so the parent subtracts its own submit times from them.

Each socket checks its chain as the live pages do: every message must name the last
position this socket saw as its `previous`. A broken link (a gap or a duplicate, which
the server should never send) is counted and the socket reconnects with
`?after=<last position seen>`, as does a socket the server closed: what it missed comes
again, late, and never lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

OPENING = 25  # handshakes in flight at once: a crowd of pages loading, not a flood
PROGRESS_SECONDS = 0.1
RETRY_SECONDS = 0.2
RECONNECT_ATTEMPTS = 5  # in a row, before a socket gives up
LAG_TICK = 0.05  # s: how often the event loop's own delay is sampled
ROOT = Path(__file__).resolve().parent.parent


class BrokenChain(Exception):
    """A message whose `previous` is not the last position this socket saw."""


@dataclass
class Tally:
    """What one socket received: counted arrivals as [order id, event type, time]."""

    arrivals: list[list[Any]] = field(default_factory=list)
    messages: int = 0
    heartbeats: int = 0
    broken_chains: int = 0
    reconnections: int = 0
    error: str = ""


class FeedSocket:
    """One client of /ws/order-events that notes when the counted events arrive."""

    def __init__(self, spec: dict, socket: dict, counter: list[int]) -> None:
        self.url, self.origin = spec["url"], spec["origin"]
        self.counted = frozenset(spec["counted"])
        self.token = socket["token"]
        self.position = socket["after"]
        self.counter = counter  # shared by every socket of the process
        self.tally = Tally()
        self.connected = asyncio.Event()

    async def run(self, opening: asyncio.Semaphore) -> None:
        failures = 0
        while True:
            try:
                async with opening:
                    socket = await self._connect()
                self.connected.set()
                failures = 0
                await self._listen(socket)
            except (OSError, TimeoutError, ConnectionClosed, InvalidStatus, BrokenChain) as error:
                if self.connected.is_set():
                    self.tally.reconnections += 1
                failures += 1
                if failures >= RECONNECT_ATTEMPTS:  # it is not coming back
                    self.tally.error = repr(error)
                    self.connected.set()  # let the process report instead of waiting
                    return
                await asyncio.sleep(RETRY_SECONDS)

    async def _connect(self) -> ClientConnection:
        return await connect(
            f"{self.url}?after={self.position}", origin=self.origin, proxy=None,
            additional_headers={"Authorization": f"Token {self.token}"}, ping_interval=None,
        )  # fmt: skip

    async def _listen(self, socket: ClientConnection) -> None:
        async with socket:
            async for frame in socket:
                at = time.perf_counter()
                message = json.loads(frame)
                if message.get("type") != "order.event":
                    self.tally.heartbeats += 1
                    continue
                if message.get("previous") != self.position:
                    self.tally.broken_chains += 1
                    raise BrokenChain(f"{message['position']} after {message.get('previous')}")
                self.position = message["position"]
                self.tally.messages += 1
                if message["event"] in self.counted:
                    self.tally.arrivals.append([message["orderId"], message["event"], at])
                    self.counter[0] += 1
        raise ConnectionClosed(socket.close_rcvd, socket.close_sent)


async def loop_lag(worst: list[float]) -> None:
    """How late the loop wakes a sleeper: the most a noted arrival time can be late by."""
    while True:
        started = time.perf_counter()
        await asyncio.sleep(LAG_TICK)
        worst[0] = max(worst[0], time.perf_counter() - started - LAG_TICK)


async def progress(counter: list[int]) -> None:
    while True:
        say({"counted": counter[0]})
        await asyncio.sleep(PROGRESS_SECONDS)


def say(report: dict) -> None:
    sys.stdout.write(json.dumps(report) + "\n")
    sys.stdout.flush()


async def main(spec: dict) -> None:
    counter, worst_lag = [0], [0.0]
    sockets = {item["name"]: FeedSocket(spec, item, counter) for item in spec["sockets"]}
    opening = asyncio.Semaphore(OPENING)
    started = time.perf_counter()
    tasks = [asyncio.create_task(socket.run(opening)) for socket in sockets.values()]
    await asyncio.gather(*(socket.connected.wait() for socket in sockets.values()))
    opened = sum(1 for socket in sockets.values() if not socket.tally.error)
    say({"connected": opened, "seconds": time.perf_counter() - started})
    cpu, wall = time.process_time(), time.perf_counter()
    tasks += [asyncio.create_task(progress(counter)), asyncio.create_task(loop_lag(worst_lag))]
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)  # "stop"
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    tallies = {name: asdict(socket.tally) for name, socket in sockets.items()}
    say({"sockets": tallies, "cpu": cpu, "wall": wall, "loop_lag": worst_lag[0]})


@dataclass(frozen=True)
class Report:
    """What the client processes saw: each socket's `Tally` (as a dict), each process's
    CPU and wall seconds from its last socket opening to `stop`, and the worst delay of
    any of their event loops (how late an arrival time may be noted)."""

    tallies: dict[str, dict]
    cpu: list[float]
    wall: list[float]
    loop_lag: float


class FeedClients:
    """The client processes, seen from the measuring process: each gets its share of
    the sockets (round robin), and reports on a thread of its own here."""

    def __init__(self, spec: dict, processes: int) -> None:
        sockets = spec["sockets"]
        shares = [sockets[i::processes] for i in range(min(processes, len(sockets)))]
        self.children = [
            subprocess.Popen([sys.executable, "-m", "bench.feed_clients"], cwd=ROOT,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            for _ in shares
        ]  # fmt: skip
        self.counts = [0 for _ in shares]
        self.opened: list[float | None] = [None for _ in shares]
        self.reports: list[dict | None] = [None for _ in shares]
        self.readers = [
            threading.Thread(target=self._read, args=(i,), name=f"bench-clients-{i}", daemon=True)
            for i in range(len(shares))
        ]
        for child, share, reader in zip(self.children, shares, self.readers, strict=True):
            child.stdin.write(json.dumps({**spec, "sockets": share}) + "\n")
            child.stdin.flush()
            reader.start()

    def _read(self, index: int) -> None:
        for line in self.children[index].stdout:
            report = json.loads(line)
            if "counted" in report:
                self.counts[index] = report["counted"]
            elif "connected" in report:
                self.opened[index] = report["seconds"]
            else:
                self.reports[index] = report

    @property
    def counted(self) -> int:
        """Messages of the counted types received so far, over every socket."""
        return sum(self.counts)

    def _wait(self, done: Callable[[], bool], timeout: float, check: Callable[[], None]) -> bool:
        deadline = time.monotonic() + timeout
        while not done():
            for child in self.children:
                if child.poll() is not None:
                    raise RuntimeError(f"a feed client process exited with {child.returncode}")
            if time.monotonic() > deadline:
                return False
            check()
            time.sleep(0.05)
        return True

    def wait_open(self, timeout: float, check: Callable[[], None]) -> float:
        """Wait until every socket is open; return how long the slowest process took."""
        if not self._wait(lambda: None not in self.opened, timeout, check):
            raise RuntimeError(f"the feed clients did not open their sockets in {timeout:.0f} s")
        return max(self.opened)

    def wait_counted(self, total: int, timeout: float, check: Callable[[], None]) -> bool:
        """Wait until the sockets have received `total` counted messages in all."""
        return self._wait(lambda: self.counted >= total, timeout, check)

    def stop(self) -> Report:
        """Close every socket and collect what each received."""
        for child in self.children:
            child.stdin.write("stop\n")
            child.stdin.flush()
        for child, reader in zip(self.children, self.readers, strict=True):
            reader.join(60)
            child.wait(10)
        if None in self.reports:
            raise RuntimeError("a feed client process stopped without reporting")
        return Report(
            {name: tally for report in self.reports for name, tally in report["sockets"].items()},
            [report["cpu"] for report in self.reports],
            [report["wall"] for report in self.reports],
            max(report["loop_lag"] for report in self.reports),
        )


@contextlib.contextmanager
def feed_clients(spec: dict, processes: int) -> Iterator[FeedClients]:
    """`spec` as the processes read it (above); they are gone when the block ends."""
    clients = FeedClients(spec, processes)
    try:
        yield clients
    finally:
        for child in clients.children:
            if child.poll() is None:
                child.kill()
                child.wait()


if __name__ == "__main__":
    asyncio.run(main(json.loads(sys.stdin.readline())))
