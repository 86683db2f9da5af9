"""Where the relay's messages go: a small interface, and the webhook sink.

A sink is handed runs of messages, each run one order's messages in order, and sends
each run in order, stopping a run at its first failure (a later message of that order
must not overtake it); runs are independent of each other. It answers with the outcome
of each message it tried. A broker sink (one topic, the order as the partition key)
would fit the same interface.

The webhook sink posts each message with the Standard Webhooks headers (`signing`), runs
side by side on one event loop, with aiohttp: its HTTP parser is compiled, and a request
costs about a tenth of the CPU an httpx request does (0.07-0.09 against 0.69-0.76 ms,
side by side on the benchmark's receiver; docs/benchmarks.md), and the relay's
throughput is its CPU per request. The host is resolved and checked once per call
(`addresses.resolve`), and every connection of the call goes to the address checked
(`PinnedResolver`), with the host's name in the Host header and in TLS's server name, so
the certificate is checked against the name, and a DNS answer that changes meanwhile is
never used unchecked. Resolving once per call, not per message, spares the resolver a
query per message. Connecting may take 2 s, the whole request 10 s; redirects are not
followed (a 3xx is a failure); the answer's body is read up to `ANSWER_BYTES` and
dropped, so that its connection can carry the next request; a longer one closes its
connection.

Connections are kept alive between calls (`Lanes`): each thread that delivers keeps an
event loop, and for the one target it last sent to a session per run sent side by side,
each with one connection, carrying one request at a time. A session's connections serve
one host name at one checked address only: sending to another target closes them first.
"""

from __future__ import annotations

import asyncio
import atexit
import functools
import socket
import ssl
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol
from uuid import UUID

import aiohttp
import certifi
from aiohttp.abc import AbstractResolver, ResolveResult

from contexts.integrations import addresses, signing

CONNECT_SECONDS = 2.0
REQUEST_SECONDS = 10.0
USER_AGENT = "Shop-Webhooks/1"
ANSWER_BYTES = 64 * 1024
KEEPALIVE_SECONDS = 5.0


@dataclass(frozen=True)
class Message:
    delivery_id: UUID
    message_id: str
    body: str


@dataclass(frozen=True)
class Destination:
    url: str
    secrets: list[str]  # the current secret first, then one still honoured after a rotation


@dataclass(frozen=True)
class Outcome:
    delivery_id: UUID
    ok: bool
    status_code: int | None
    latency_ms: int
    error: str = ""

    @property
    def gone(self) -> bool:
        """410: the receiver says the endpoint is no more."""
        return self.status_code == 410


class Sink(Protocol):
    def deliver(
        self, to: Destination, runs: Sequence[Sequence[Message]], until: float
    ) -> list[Outcome]:
        """Send each run in order, stopping it at its first failure, and starting no new
        message after the monotonic time `until`; the outcomes of those tried."""
        ...


@functools.cache
def _tls() -> ssl.SSLContext:
    """One TLS context for every session: building one loads the CA certificates."""
    return ssl.create_default_context(cafile=certifi.where())


class PinnedResolver(AbstractResolver):
    """Answers every lookup of its session with the address already checked."""

    def __init__(self, target: addresses.Target) -> None:
        self.target = target

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        address = self.target.address
        family = socket.AF_INET6 if address.version == 6 else socket.AF_INET
        return [ResolveResult(hostname=host, host=str(address), port=port, family=family,
                              proto=0, flags=socket.AI_NUMERICHOST)]  # fmt: skip

    async def close(self) -> None:
        return None


def _session(target: addresses.Target) -> aiohttp.ClientSession:
    connector = aiohttp.TCPConnector(
        limit=1, resolver=PinnedResolver(target), use_dns_cache=False,
        keepalive_timeout=KEEPALIVE_SECONDS, ssl=_tls(),
    )  # fmt: skip
    timeout = aiohttp.ClientTimeout(total=REQUEST_SECONDS, sock_connect=CONNECT_SECONDS)
    return aiohttp.ClientSession(connector=connector, timeout=timeout, auto_decompress=False)


@dataclass
class Lanes:
    """One thread's sessions for the target it last sent to, one connection each."""

    target: addresses.Target | None = None
    sessions: list[aiohttp.ClientSession] = field(default_factory=list)

    async def take(self, target: addresses.Target, count: int) -> list[aiohttp.ClientSession]:
        if target != self.target:
            await self.close()
            self.target = target
        self.sessions += [_session(target) for _ in range(count - len(self.sessions))]
        return self.sessions[:count]

    async def close(self) -> None:
        for session in self.sessions:
            await session.close()
        self.sessions = []


class WebhookSink:
    def __init__(self) -> None:
        self._local = threading.local()  # this thread's event loop and lanes
        self._loops: list[tuple[asyncio.AbstractEventLoop, Lanes]] = []
        atexit.register(self.close)

    def deliver(
        self, to: Destination, runs: Sequence[Sequence[Message]], until: float
    ) -> list[Outcome]:
        local = self._local
        if not hasattr(local, "loop"):
            local.loop, local.lanes = asyncio.new_event_loop(), Lanes()
            self._loops.append((local.loop, local.lanes))
        return local.loop.run_until_complete(self._deliver(local.lanes, to, runs, until))

    def close(self) -> None:
        """Close every thread's connections (at exit, when no thread still sends)."""
        for loop, lanes in self._loops:
            if not loop.is_closed() and not loop.is_running():
                loop.run_until_complete(lanes.close())
                loop.close()

    async def _deliver(
        self, lanes: Lanes, to: Destination, runs: Sequence[Sequence[Message]], until: float
    ) -> list[Outcome]:
        started = time.monotonic()
        try:
            target = await asyncio.to_thread(addresses.resolve, to.url)
        except addresses.Refused as refused:
            latency = int((time.monotonic() - started) * 1000)
            error = f"refused: {refused}"[:500]
            return [Outcome(run[0].delivery_id, False, None, latency, error) for run in runs]
        sessions = await lanes.take(target, len(runs))
        sending = zip(sessions, runs, strict=True)
        done = await asyncio.gather(*(self._run(s, to, run, until) for s, run in sending))
        return [outcome for outcomes in done for outcome in outcomes]

    async def _run(
        self, session: aiohttp.ClientSession, to: Destination, run: Sequence[Message], until: float
    ) -> list[Outcome]:
        outcomes: list[Outcome] = []
        for message in run:
            if outcomes and time.monotonic() > until:
                break
            outcome = await self._post(session, to, message)
            outcomes.append(outcome)
            if not outcome.ok:
                break
        return outcomes

    async def _post(
        self, session: aiohttp.ClientSession, to: Destination, message: Message
    ) -> Outcome:
        started = time.monotonic()

        def failed(error: str) -> Outcome:
            latency = int((time.monotonic() - started) * 1000)
            return Outcome(message.delivery_id, False, None, latency, error[:500])

        body = message.body.encode()
        headers = {
            "content-type": "application/json",
            "user-agent": USER_AGENT,
            **signing.headers(to.secrets, message.message_id, int(time.time()), body),
        }
        try:
            async with (
                asyncio.timeout(REQUEST_SECONDS),
                session.post(to.url, data=body, headers=headers, allow_redirects=False) as answer,
            ):
                await _read_answer(answer)
                status = answer.status
        except aiohttp.ConnectionTimeoutError:
            return failed(f"could not connect within {CONNECT_SECONDS:g} s")
        except TimeoutError:
            return failed(f"no answer within {REQUEST_SECONDS:g} s")
        except aiohttp.ClientConnectorError as error:
            return failed(f"could not connect: {error.os_error}")
        except aiohttp.ClientError as error:
            return failed(
                f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
            )
        latency = int((time.monotonic() - started) * 1000)
        if 200 <= status < 300:
            return Outcome(message.delivery_id, True, status, latency)
        return Outcome(message.delivery_id, False, status, latency, f"answered {status}")


async def _read_answer(answer: aiohttp.ClientResponse) -> None:
    """Read and drop the answer's body, up to ANSWER_BYTES: a longer one is left unread,
    and its connection closed rather than kept."""
    read = 0
    async for chunk in answer.content.iter_any():
        read += len(chunk)
        if read > ANSWER_BYTES:
            answer.close()
            return
