"""The order, invoice, shipment and analytics answers keep to the OpenAPI document with
real data in them: schemathesis's random ids seldom find an order, so these calls name
one that is paid and dispatched (every nullable part filled) or new (every one null)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.utils import timezone
from drf_spectacular.renderers import OpenApiJsonRenderer
from drf_spectacular.settings import spectacular_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.conftest import People
from tests.api.flow import (  # noqa: F401  (fixtures)
    HOME,
    Order,
    accepted,
    dispatch,
    invoiced_fixture,
    paid_fixture,
)

pytestmark = pytest.mark.django_db

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def api_schema() -> schemathesis.BaseSchema:
    generator = spectacular_settings.DEFAULT_GENERATOR_CLASS()
    document = generator.get_schema(request=None, public=True)
    loaded = schemathesis.openapi.from_dict(json.loads(OpenApiJsonRenderer().render(document)))
    loaded.app = get_wsgi_application()
    return loaded


@pytest.fixture
def in_this_transaction(db: None) -> Iterator[None]:
    """Requests through the WSGI app run in this test's transaction (see test_schema).

    Ask for it last: a request through Django's test client connects the signals again.
    """
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def reads(order: Order, *, shipped: bool) -> list[tuple[str, dict, dict]]:
    """Every read of the order and what it led to (staff alone read the analytics)."""
    now = timezone.now().astimezone(dt.UTC)
    found = [
        ("/api/order", {}, {}),
        ("/api/order/{orderId}", {"orderId": order.order_id}, {}),
        ("/api/invoices", {}, {}),
        ("/api/invoices/{invoiceId}", {"invoiceId": order.invoice_id}, {}),
        ("/api/shipments", {}, {}),
        ("/api/shipments/{shipmentId}", {"shipmentId": order.shipment_id}, {}),
        ("/api/analytics/popular-items", {}, {"date": now.date().isoformat()}),
        ("/api/analytics/vendor-billing", {}, {"year": now.year, "month": now.month}),
    ]
    return [read for read in found if shipped or read[0] != "/api/shipments/{shipmentId}"]


def call(schema: schemathesis.BaseSchema, people: People, reads_: list) -> None:
    for caller in (people.alice, people.staff):
        for path, parameters, query in reads_:
            if caller is people.alice and path.startswith("/api/analytics/"):
                continue
            operation = schema[path]["GET"]
            case = operation.Case(path_parameters=parameters, query=query)
            response = case.call_and_validate(headers=caller.auth, checks=CHECKS)
            assert response.status_code == 200, (path, response.text)


@pytest.fixture
def dispatched(people: People, paid: Order) -> Order:
    dispatch(people, paid)
    return paid


def test_a_paid_and_dispatched_order_keeps_to_the_schema(
    api_schema: schemathesis.BaseSchema,
    people: People,
    dispatched: Order,
    in_this_transaction: None,
) -> None:
    call(api_schema, people, reads(dispatched, shipped=True))


def test_a_new_order_keeps_to_the_schema(
    api_schema: schemathesis.BaseSchema,
    people: People,
    invoiced: Order,
    in_this_transaction: None,
) -> None:
    call(api_schema, people, reads(invoiced, shipped=False))


def test_the_endpoints_are_documented_with_their_headers(
    api_schema: schemathesis.BaseSchema,
) -> None:
    paths = api_schema.raw_schema["paths"]
    assert set(paths) >= {
        "/api/order", "/api/order/{orderId}", "/api/order/{orderId}/cancel",
        "/api/invoices", "/api/invoices/{invoiceId}", "/api/invoices/{invoiceId}/payments",
        "/api/shipments", "/api/shipments/{shipmentId}",
        "/api/shipments/{shipmentId}/dispatch", "/api/shipments/{shipmentId}/deliver",
        "/api/analytics/popular-items", "/api/analytics/vendor-billing",
    }  # fmt: skip
    detail = paths["/api/order/{orderId}"]["get"]
    assert detail["responses"]["200"]["headers"]["ETag"]["required"] is True
    assert "after" in {p["name"] for p in detail["parameters"]}
    cancel = paths["/api/order/{orderId}/cancel"]["post"]
    assert {"If-Match", "Idempotency-Key"} <= {p["name"] for p in cancel["parameters"]}
    assert {"202", "404", "409", "412", "422"} <= set(cancel["responses"])
    placed = paths["/api/order"]["post"]["responses"]["202"]["content"]["application/json"]
    assert placed["schema"] == {"$ref": "#/components/schemas/OrderPlaceOutput"}
