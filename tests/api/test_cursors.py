"""Crafted cursors on every cursor-paginated list: 422, never a 5xx."""

# ruff: noqa: E501  (the parameter tables read best one case a line)

from __future__ import annotations

import base64
from urllib.parse import urlencode

import pytest
from drf_spectacular.generators import EndpointEnumerator

from contexts.integrations import endpoints
from tests.api.conftest import People, problem

pytestmark = pytest.mark.django_db


def cursor(**tokens: str) -> str:
    """A cursor as DRF encodes one: its tokens form-encoded, then base64."""
    return base64.b64encode(urlencode(tokens).encode()).decode()


def paginated_lists() -> list[str]:
    """Every list with cursor pages, from the URL conf."""
    found = set()
    for path, _, method, callback in EndpointEnumerator().get_api_endpoints():
        routed = getattr(callback.cls, "classes", {}).get("get", callback.cls)
        if method == "GET" and getattr(routed, "pagination_class", None):
            found.add(path)
    return sorted(found)


LISTS = {
    "/api/analytics/popular-items": ("date=2026-01-01", ["notanumber", "1" * 30, "1.5"]),
    "/api/analytics/vendor-billing": ("year=2026&month=1", ["notauuid", "1"]),
    "/api/invoices": ("", ["notadate", "2026-13-01", "1"]),
    "/api/order": ("", ["notadate", "2026-02-30 10:00:00+00:00"]),
    "/api/products": ("", []),
    "/api/shipments": ("", ["notadate"]),
    "/api/webhooks": ("", ["notadate"]),
    "/api/webhooks/{webhookId}/deliveries": ("", ["notanumber", "1.5"]),
}  # fmt: skip
"""Each list: the filters it needs, and positions that are no value of its first
ordering field (a product's name may be any text: only NUL is none)."""
ANY_LIST = [
    "a",  # not base64: incorrect padding
    "\u00e9",  # not ASCII
    cursor(o="-1"),  # a negative offset
    cursor(o="x"),
    cursor(r="x"),
    cursor(p="\x00"),
]


def test_every_paginated_list_is_covered() -> None:
    assert paginated_lists() == sorted(LISTS)


@pytest.mark.parametrize(
    ("path", "given"),
    [(path, given) for path, (_, positions) in LISTS.items() for given in [*ANY_LIST, *(cursor(p=p) for p in positions)]],
)  # fmt: skip
def test_a_crafted_cursor_is_422(people: People, path: str, given: str) -> None:
    query = urlencode({"cursor": given, **dict(_pairs(LISTS[path][0]))})

    response = people.staff.get(f"{concrete(path)}?{query}")

    assert problem(response, 422)["errors"] == {"cursor": ["Invalid cursor."]}


@pytest.mark.parametrize("path", sorted(LISTS))
def test_a_cursor_the_list_made_is_read(people: People, path: str) -> None:
    """A position of the right kind is taken, even one no row has."""
    filters = dict(_pairs(LISTS[path][0]))
    position = {
        "/api/analytics/popular-items": "3",
        "/api/analytics/vendor-billing": "5e1f0c8a-3d41-4c8e-9b7a-2f6d1e0a9c44",
        "/api/products": "notadate",
        "/api/webhooks/{webhookId}/deliveries": "3",
    }.get(path, "2026-01-01 10:00:00+00:00")

    query = urlencode({"cursor": cursor(p=position), **filters})

    response = people.staff.get(f"{concrete(path)}?{query}")

    assert response.status_code == 200, response.content
    assert set(response.json()) == {"results", "next", "previous"}


def concrete(path: str) -> str:
    """The list's URL: one under a webhook endpoint is read under a registered one."""
    if "{webhookId}" not in path:
        return path
    registered = endpoints.register("http://127.0.0.1:9/hooks", ["order.paid"])
    return path.replace("{webhookId}", str(registered.id))


def _pairs(query: str) -> list[tuple[str, str]]:
    return [tuple(pair.split("=", 1)) for pair in query.split("&") if pair]  # type: ignore[misc]
