"""Who may do what with orders, invoices, shipments and analytics: anonymous, customer
Alice (the order's owner), customer Bob, and staff.

Someone else's order, invoice or shipment is a 404, never a 403; staff do not shop.

The callers and the order are made once for the module and committed: each test makes
one request, and what it stores (a 202's command, which nothing executes) is rolled back
with the test's transaction.
"""

# ruff: noqa: E501  (the parameter tables read best one case a line)

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import People
from tests.api.flow import (  # noqa: F401  (fixtures)
    HOME,
    Order,
    module_paid_fixture,
    module_people_fixture,
)

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "alice", "bob", "staff")

ENDPOINTS = {
    # name: (method, path, body, expected status for anonymous, alice, bob, staff)
    "place order": ("POST", "/api/order", {"lines": [{"productId": "{product}", "quantity": 1}], "shippingAddress": HOME}, (401, 202, 202, 403)),
    "orders": ("GET", "/api/order", None, (401, 200, 200, 200)),
    "order": ("GET", "/api/order/{order}", None, (401, 200, 404, 200)),
    "cancel order": ("POST", "/api/order/{order}/cancel", {"reason": "r"}, (401, 202, 404, 202)),
    "invoices": ("GET", "/api/invoices", None, (401, 200, 200, 200)),
    "invoice": ("GET", "/api/invoices/{invoice}", None, (401, 200, 404, 200)),
    "register payment": ("POST", "/api/invoices/{invoice}/payments", {"amount": "1.00", "reference": "r"}, (401, 403, 403, 202)),
    "shipments": ("GET", "/api/shipments", None, (401, 200, 200, 200)),
    "shipment": ("GET", "/api/shipments/{shipment}", None, (401, 200, 404, 200)),
    "dispatch": ("POST", "/api/shipments/{shipment}/dispatch", {"carrier": "DHL", "trackingNumber": "1"}, (401, 403, 403, 202)),
    "deliver": ("POST", "/api/shipments/{shipment}/deliver", None, (401, 403, 403, 202)),
    "popular items": ("GET", "/api/analytics/popular-items?date=2026-01-01", None, (401, 403, 403, 200)),
    "vendor billing": ("GET", "/api/analytics/vendor-billing?year=2026&month=1", None, (401, 403, 403, 200)),
}  # fmt: skip


def filled(value: Any, fill: dict[str, str]) -> Any:
    """The body with `{product}`, `{order}`, ... replaced, at any depth."""
    if isinstance(value, str):
        return value.format(**fill)
    if isinstance(value, list):
        return [filled(item, fill) for item in value]
    if isinstance(value, dict):
        return {key: filled(item, fill) for key, item in value.items()}
    return value


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_authorization(people: People, paid: Order, endpoint: str, role: str) -> None:
    method, path, body, expected = ENDPOINTS[endpoint]
    fill = {
        "product": paid.teapot,
        "order": paid.order_id,
        "invoice": paid.invoice_id,
        "shipment": paid.shipment_id,
    }
    response = people.as_(role).request(method, path.format(**fill), filled(body, fill))

    assert response.status_code == expected[ROLES.index(role)], response.content
    if response.status_code >= 400:
        assert response["Content-Type"] == "application/problem+json"
