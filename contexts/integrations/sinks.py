"""Where the relay's messages go: a small interface, and the webhook sink.

A sink is handed runs of messages, each run one order's messages in order, and sends
each run in order, stopping a run at its first failure (a later message of that order
must not overtake it); runs are independent of each other. It answers with the outcome
of each message it tried. A broker sink (one topic, the order as the partition key)
would fit the same interface.

The webhook sink posts each message with the Standard Webhooks headers (`signing`),
runs side by side on one event loop. The host is resolved and checked once per call
(`addresses.resolve`), and every connection of the call goes to the address checked,
with the host's name in the Host header and in TLS's server name, so the certificate is
checked against the name, and a DNS answer that changes meanwhile is never used
unchecked. Resolving once per call, not per message, spares the resolver a query per
message. Connecting may take 2 s,
the whole request 10 s; redirects are not followed (a 3xx is a failure); the answer's
body is read up to `ANSWER_BYTES` and dropped, so that its connection can carry the next
request (an unread answer closes its connection).

Connections are kept alive between calls (`Lanes`): each thread that delivers keeps an
event loop, and for the one target it last sent to a client per run sent side by side,
each with one connection. One pool of many connections would cost every request a scan
of all of them (httpcore's pool, about half of a request's CPU at 32), and a client and
its connections made anew per call cost a TLS context, a connection per run and their
handshakes, every call. A client's connections serve one host name at one checked
address only: sending to another target closes them first. A client carries one
request at a time, so it never waits for its pool, where a request cancelled by its
time limit would leave the one connection's place taken for good (httpcore 1.0.9).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import ssl
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol
from uuid import UUID

import httpx

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
    """One TLS context for every client: building one loads the CA certificates."""
    return httpx.create_ssl_context()


def _client() -> httpx.AsyncClient:
    return httpx.AsyncClient(
        timeout=httpx.Timeout(REQUEST_SECONDS, connect=CONNECT_SECONDS),
        limits=httpx.Limits(max_connections=1, max_keepalive_connections=1,
                            keepalive_expiry=KEEPALIVE_SECONDS),
        follow_redirects=False, trust_env=False, verify=_tls(),
    )  # fmt: skip


@dataclass
class Lanes:
    """One thread's clients for the target it last sent to, one connection each."""

    target: addresses.Target | None = None
    clients: list[httpx.AsyncClient] = field(default_factory=list)

    async def take(self, target: addresses.Target, count: int) -> list[httpx.AsyncClient]:
        if target != self.target:
            await self.close()
            self.target = target
        self.clients += [_client() for _ in range(count - len(self.clients))]
        return self.clients[:count]

    async def close(self) -> None:
        for client in self.clients:
            await client.aclose()
        self.clients = []


class WebhookSink:
    def __init__(self) -> None:
        self._local = threading.local()  # this thread's event loop and lanes

    def deliver(
        self, to: Destination, runs: Sequence[Sequence[Message]], until: float
    ) -> list[Outcome]:
        local = self._local
        if not hasattr(local, "loop"):
            local.loop, local.lanes = asyncio.new_event_loop(), Lanes()
        return local.loop.run_until_complete(self._deliver(local.lanes, to, runs, until))

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
        clients = await lanes.take(target, len(runs))
        sending = zip(clients, runs, strict=True)
        done = await asyncio.gather(*(self._run(c, to, target, run, until) for c, run in sending))
        return [outcome for outcomes in done for outcome in outcomes]

    async def _run(
        self,
        client: httpx.AsyncClient,
        to: Destination,
        target: addresses.Target,
        run: Sequence[Message],
        until: float,
    ) -> list[Outcome]:
        outcomes: list[Outcome] = []
        for message in run:
            if outcomes and time.monotonic() > until:
                break
            outcome = await self._post(client, to, target, message)
            outcomes.append(outcome)
            if not outcome.ok:
                break
        return outcomes

    async def _post(
        self,
        client: httpx.AsyncClient,
        to: Destination,
        target: addresses.Target,
        message: Message,
    ) -> Outcome:
        started = time.monotonic()

        def failed(error: str) -> Outcome:
            latency = int((time.monotonic() - started) * 1000)
            return Outcome(message.delivery_id, False, None, latency, error[:500])

        body = message.body.encode()
        headers = {
            "content-type": "application/json",
            "user-agent": USER_AGENT,
            "host": httpx.URL(to.url).netloc.decode(),
            **signing.headers(to.secrets, message.message_id, int(time.time()), body),
        }
        url = httpx.URL(to.url).copy_with(host=str(target.address))
        try:
            async with asyncio.timeout(REQUEST_SECONDS):
                request = client.build_request(
                    "POST", url, content=body, headers=headers,
                    extensions={"sni_hostname": target.host},
                )  # fmt: skip
                response = await client.send(request, stream=True)
                try:
                    await _read_answer(response)
                finally:
                    await response.aclose()
        except TimeoutError:
            return failed(f"no answer within {REQUEST_SECONDS:g} s")
        except httpx.HTTPError as error:
            return failed(
                f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
            )
        latency = int((time.monotonic() - started) * 1000)
        if 200 <= response.status_code < 300:
            return Outcome(message.delivery_id, True, response.status_code, latency)
        return Outcome(
            message.delivery_id, False, response.status_code, latency,
            f"answered {response.status_code}",
        )  # fmt: skip


async def _read_answer(response: httpx.Response) -> None:
    """Read and drop the answer's body, up to ANSWER_BYTES: a longer one is left unread,
    and its connection closed rather than kept."""
    read = 0
    async with contextlib.aclosing(response.aiter_raw()) as chunks:
        async for chunk in chunks:
            read += len(chunk)
            if read > ANSWER_BYTES:
                return
