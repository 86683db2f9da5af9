"""`GET /metrics`: Shop's Prometheus metrics, and the HTTP request timings among them.

Every process of one host observes into files under PROMETHEUS_MULTIPROC_DIR (the
prometheus-client's multiprocess mode; `make run` gives its processes a fresh one), so
a scrape of any web process sums the HTTP servers, the websocket server and the Celery
workers alike. Values that live in Postgres are read by collectors at each scrape
(`eventstore.backlog`, `contexts.integrations.metrics`). Without the variable (one
process) the process's own registry is served.

The answer is for this host: a client whose real address (`shop.client_address`) is
loopback and on whose behalf no other address was forwarded. Anyone else must send
`Authorization: Bearer $SHOP_METRICS_TOKEN`, so a proxy in front does not open it.
"""

from __future__ import annotations

import hmac
import os
import time
from collections.abc import Callable, Iterator

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe
from prometheus_client import REGISTRY, CollectorRegistry, Histogram, multiprocess
from prometheus_client.core import Metric
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector

from contexts.integrations.metrics import WebhookCollector
from eventstore.backlog import StoreCollector
from shop.api.problems import problem_response
from shop.client_address import client_address, is_loopback

HTTP_DURATION = Histogram(
    "shop_http_request_duration_seconds",
    "HTTP requests by route template, from the first middleware to the answer.",
    ["method", "route", "status"],
)
UNMATCHED = "unmatched"
"""The route of a request no URL pattern matched (a 404, or answered before routing)."""
STATIC = "static"
"""The route of the static files, which WhiteNoise answers before routing."""


class RequestTimer:
    """Middleware: each request's duration, by method, route template and status."""

    sync_capable = async_capable = True

    def __init__(self, get_response: Callable) -> None:
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if iscoroutinefunction(self):
            return self.__acall__(request)
        started = time.perf_counter()
        response = self.get_response(request)
        observe(request, response, time.perf_counter() - started)
        return response

    async def __acall__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = await self.get_response(request)
        observe(request, response, time.perf_counter() - started)
        return response


def observe(request: HttpRequest, response: HttpResponse, seconds: float) -> None:
    HTTP_DURATION.labels(request.method, route(request), str(response.status_code)).observe(seconds)


def route(request: HttpRequest) -> str:
    """The URL pattern that matched, as written (`/api/orders/<uuid:order_id>`), never
    the path itself: one series per route, whatever ids clients send."""
    match = getattr(request, "resolver_match", None)
    if match is not None and match.route is not None:
        return "/" + match.route
    return STATIC if request.path.startswith(settings.STATIC_URL) else UNMATCHED


@require_safe
def metrics(request: HttpRequest) -> HttpResponse:
    if not may_scrape(request):
        return problem_response(
            403, "Metrics answer this host, or a caller with the metrics token."
        )
    encode, content_type = choose_encoder(request.headers.get("Accept"))  # OpenMetrics if asked
    return HttpResponse(encode(scraped()), content_type=content_type)


def may_scrape(request: HttpRequest) -> bool:
    return from_this_host(request) or has_token(request)


def from_this_host(request: HttpRequest) -> bool:
    """Loopback, and forwarded for no one else: a proxy on this host that is not in
    SHOP_TRUSTED_PROXIES still names its client in X-Forwarded-For."""
    forwarded = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    hops = [hop for hop in forwarded if hop]
    return all(is_loopback(address) for address in [client_address(request), *hops])


def has_token(request: HttpRequest) -> bool:
    expected = settings.SHOP_METRICS_TOKEN
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return (
        bool(expected)
        and scheme.lower() == "bearer"
        and hmac.compare_digest(given.strip().encode(), expected.encode())
    )


class Observed(Collector):
    """What the processes observed: every process's files, or this process's registry."""

    def collect(self) -> Iterator[Metric]:
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            yield from multiprocess.MultiProcessCollector(None).collect()
        else:
            yield from REGISTRY.collect()


def scraped() -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    for collector in (Observed(), StoreCollector(), WebhookCollector()):
        registry.register(collector)
    return registry
