"""One Redis connection pool per process for Django's cache, which the throttles use.

Under ASGI, Django keeps its cache objects per request context, and each new
`RedisCache` builds its own connection pool: every request opened a new Redis
connection (a TCP connect, a getaddrinfo, and redis-py reading its own package
metadata for the client name). The cache's `pool_class` option lets every instance
share one pool per URL and options instead. redis-py pools are thread-safe and reset
themselves in a forked child, so sharing them is safe in threads and Celery's
prefork workers alike.
"""

from __future__ import annotations

import threading
from typing import Any

import redis

_pools: dict[tuple[str, tuple[tuple[str, Any], ...]], redis.ConnectionPool] = {}
_lock = threading.Lock()


class SharedConnectionPool(redis.ConnectionPool):
    """A `pool_class` for Django's RedisCache whose `from_url` hands out one pool per
    (url, options) for the life of the process. The options must be hashable."""

    @classmethod
    def from_url(cls, url: str, **kwargs: Any) -> redis.ConnectionPool:  # type: ignore[override]
        key = (url, tuple(sorted(kwargs.items())))
        with _lock:
            if key not in _pools:
                _pools[key] = redis.ConnectionPool.from_url(url, **kwargs)
            return _pools[key]


def close_all() -> None:
    """Disconnect every shared pool's connections, as the process ends (`shop.lifespan`).
    A pool used again afterwards connects anew."""
    with _lock:
        pools = list(_pools.values())
    for pool in pools:
        pool.disconnect()
