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
body is never read.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

import httpx

from contexts.integrations import addresses, signing

CONNECT_SECONDS = 2.0
REQUEST_SECONDS = 10.0
USER_AGENT = "Shop-Webhooks/1"


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


class WebhookSink:
    def deliver(
        self, to: Destination, runs: Sequence[Sequence[Message]], until: float
    ) -> list[Outcome]:
        return asyncio.run(self._deliver(to, runs, until))

    async def _deliver(
        self, to: Destination, runs: Sequence[Sequence[Message]], until: float
    ) -> list[Outcome]:
        started = time.monotonic()
        try:
            target = await asyncio.to_thread(addresses.resolve, to.url)
        except addresses.Refused as refused:
            latency = int((time.monotonic() - started) * 1000)
            error = f"refused: {refused}"[:500]
            return [Outcome(run[0].delivery_id, False, None, latency, error) for run in runs]
        timeout = httpx.Timeout(REQUEST_SECONDS, connect=CONNECT_SECONDS)
        limits = httpx.Limits(max_connections=len(runs) or 1)
        async with httpx.AsyncClient(
            timeout=timeout, limits=limits, follow_redirects=False, trust_env=False
        ) as client:
            done = await asyncio.gather(
                *(self._run(client, to, target, run, until) for run in runs)
            )
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
