"""The OpenAPI document: it validates, documents the contract, and the API keeps to it."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator

import hypothesis
import pytest
import schemathesis
import yaml
from django.core import signals
from django.core.management import call_command
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.templatetags.static import static
from drf_spectacular.renderers import OpenApiJsonRenderer
from drf_spectacular.settings import spectacular_settings
from drf_spectacular.validation import validate_schema
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.conftest import People

pytestmark = pytest.mark.django_db

WRITES = {"post", "patch", "put", "delete"}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
EXAMPLES = int(os.environ.get("SHOP_SCHEMATHESIS_EXAMPLES", "10"))
HEALTH = ("/api/health", "/api/health/live", "/api/health/ready")


@pytest.fixture
def document(people: People) -> dict:
    response = people.anonymous.get("/api/schema/")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def operations(document: dict) -> list[tuple[str, str, dict]]:
    return [
        (path, method, operation)
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    ]


def test_the_schema_is_valid_openapi_3(document: dict) -> None:
    validate_schema(document)
    assert document["openapi"].startswith("3.")


def test_the_schema_generates_without_warnings(tmp_path) -> None:
    """An endpoint drf-spectacular cannot describe fully fails here, not in a client."""
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "s.yaml"))


def test_the_contract_paths_are_documented(document: dict) -> None:
    assert set(document["paths"]) >= {
        "/api/auth/signup",
        "/api/auth/token",
        "/api/health",
        "/api/health/live",
        "/api/health/ready",
        "/api/products",
        "/api/products/{productId}",
        "/api/products/{productId}/discontinue",
        "/api/cart/{cartId}",
        "/api/cart/{cartId}/productId/{productId}",
        "/api/cart/{cartId}/checkout",
        "/api/commands/{commandId}",
        "/api/webhooks",
        "/api/webhooks/{webhookId}",
        "/api/webhooks/{webhookId}/rotate-secret",
        "/api/webhooks/{webhookId}/deliveries",
        "/api/webhooks/{webhookId}/deliveries/{deliveryId}/redeliver",
        "/api/webhooks/{webhookId}/replay",
    }


def test_every_command_write_documents_202_location_and_idempotency(document: dict) -> None:
    writes = [
        (path, op)
        for path, method, op in operations(document)
        # Accounts and webhook endpoints are written at once (201/200), not by commands.
        if method in WRITES and not path.startswith(("/api/auth/", "/api/webhooks"))
    ]
    assert len(writes) >= 7  # the catalog and cart writes, and any added since
    for path, operation in writes:
        accepted = operation["responses"]["202"]
        assert accepted["headers"]["Location"]["required"] is True, path
        names = {p["name"] for p in operation["parameters"] if p["in"] == "header"}
        assert "Idempotency-Key" in names, path
        assert {"409", "422"} <= set(operation["responses"]), path


def test_every_error_is_documented_as_problem_json(document: dict) -> None:
    for path, _method, operation in operations(document):
        for status, response in operation["responses"].items():
            if int(status) >= 400 and path not in HEALTH:
                assert list(response["content"]) == ["application/problem+json"], (path, status)


def test_cart_documents_etag_if_match_and_read_your_writes(document: dict) -> None:
    cart = document["paths"]["/api/cart/{cartId}"]
    assert cart["get"]["responses"]["200"]["headers"]["ETag"]["required"] is True
    assert {p["name"] for p in cart["get"]["parameters"]} >= {"after", "cartId"}
    assert cart["get"]["responses"]["503"]["headers"]["Retry-After"]
    assert "If-Match" in {p["name"] for p in cart["post"]["parameters"]}
    assert "412" in cart["post"]["responses"]


def test_every_operation_that_uses_the_database_documents_its_outage_503(document: dict) -> None:
    for path, method, operation in operations(document):
        if path in (*HEALTH, "/api/problems/{slug}"):
            continue  # health reports have their own 503, or none; problem types need no database
        unavailable = operation["responses"]["503"]
        assert "`database-unavailable`" in unavailable["description"], (path, method)
        assert unavailable["headers"]["Retry-After"], (path, method)
    assert "503" not in document["paths"]["/api/problems/{slug}"]["get"]["responses"]


def test_staff_operations_name_the_permission_staff_need(document: dict) -> None:
    def needs(path: str, method: str) -> str:
        return document["paths"][path][method]["description"].rpartition("\n\n")[2]

    assert needs("/api/invoices/{invoiceId}/payments", "post") == (
        "Staff need the permission `invoicing.register_payment`."
    )
    assert needs("/api/order", "get") == "Staff need the permission `sales.view_ordersummary`."
    assert needs("/api/webhooks", "post") == (
        "Staff need the permission `integrations.manage_webhooks`."
    )
    assert "Staff need" not in document["paths"]["/api/products"]["get"].get("description", "")


def test_swagger_ui_is_served_with_its_own_assets(people: People) -> None:
    page = people.anonymous.get("/api/docs/")

    assert page.status_code == 200
    assert page["Content-Type"].startswith("text/html")
    html = page.content.decode()
    bundle = static("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")
    assert bundle in html
    asset = people.anonymous.get(bundle)
    assert asset.status_code == 200


@pytest.fixture
def in_this_transaction(db: None) -> Iterator[None]:
    """Requests through the WSGI app run in this thread and this test's transaction: like
    Django's test client, keep them from closing the test's connection."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def load_schema() -> schemathesis.BaseSchema:
    """The document as /api/schema/ serves it, generated at collection (no database, and
    no request that a throttle could refuse), calling the WSGI app in this process."""
    generator = spectacular_settings.DEFAULT_GENERATOR_CLASS()
    document = generator.get_schema(request=None, public=True)
    loaded = schemathesis.openapi.from_dict(json.loads(OpenApiJsonRenderer().render(document)))
    loaded.app = get_wsgi_application()
    return loaded


schema = load_schema()


@schema.parametrize()
@hypothesis.settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(hypothesis.HealthCheck),
)
def test_the_api_keeps_to_its_schema(
    case: schemathesis.Case, people: People, in_this_transaction: None
) -> None:
    """No 5xx, and every answer's status, media type, headers and body as documented,
    for a customer and for staff. The readiness report's 503 (no worker runs here) is
    documented, and checked as every answer is."""
    checks = [c for c in CHECKS if case.path not in HEALTH or c is not not_a_server_error]
    for caller in (people.alice, people.staff):
        case.call_and_validate(headers=caller.auth, checks=checks)
