"""A small JSON client of Shop's REST API that times every request it makes.

`requests` with one session per thread, so each simulated client keeps its connection
alive as a real frontend would. A 429 or 503 (throttled, or a read-your-writes wait
that ran out) is retried after its Retry-After and counted, never timed as a success.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import requests

from shop.simulate.stats import Stats

TIMEOUT = 30.0
RETRIES = 8
RETRYABLE = frozenset({429, 503})
_sessions = threading.local()


class ApiError(Exception):
    """A request that did not get the answer a well-behaved client expects."""


def _session() -> requests.Session:
    if not hasattr(_sessions, "session"):
        _sessions.session = requests.Session()
    return _sessions.session


@dataclass(frozen=True)
class Api:
    """The API at `base_url`, as the holder of `token` (anonymous without one)."""

    base_url: str
    stats: Stats
    token: str | None = None

    def signed_in(self, token: str) -> Api:
        return Api(self.base_url, self.stats, token)

    def call(
        self, operation: str, method: str, path: str, body: Any = None,
        expect: Iterable[int] = (200, 201, 202),
    ) -> Any:  # fmt: skip
        """The JSON answer of one request, timed under `operation`."""
        headers = {"Authorization": f"Token {self.token}"} if self.token else {}
        for _ in range(RETRIES):
            started = time.perf_counter()
            try:
                response = _session().request(
                    method, self.base_url + path, json=body, headers=headers, timeout=TIMEOUT
                )
            except requests.RequestException as error:
                raise ApiError(f"{method} {path}: {error}") from None
            if response.status_code in RETRYABLE:
                self.stats.was_throttled()
                time.sleep(float(response.headers.get("Retry-After") or 1))
                continue
            self.stats.timed(operation, (time.perf_counter() - started) * 1000)
            if response.status_code not in expect:
                raise ApiError(f"{method} {path}: {response.status_code} {response.text[:300]}")
            return response.json() if response.content else None
        raise ApiError(f"{method} {path}: still throttled or unavailable after {RETRIES} tries")
