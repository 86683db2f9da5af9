"""The OpenAPI document: it validates and documents the contract (the running server keeps
to it: test_schema_conformance)."""

from __future__ import annotations

import re
import uuid

import pytest
import yaml
from django.core.management import call_command
from django.templatetags.static import static
from drf_spectacular.validation import validate_schema

from tests.api.conftest import People, nothing_stored, problem

pytestmark = pytest.mark.django_db

WRITES = {"post", "patch", "put", "delete"}
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
            continue  # the health report has its own 503; problem types need no database
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


def test_request_bodies_refuse_unknown_fields_in_the_schema(document: dict) -> None:
    schemas = document["components"]["schemas"]
    bodies = [
        operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        for _path, _method, operation in operations(document)
        if "requestBody" in operation
    ]
    assert len(bodies) >= 15
    for ref in bodies:
        assert schemas[ref.rpartition("/")[2]]["additionalProperties"] is False, ref


def test_rules_beyond_the_schema_are_listed_and_described(document: dict) -> None:
    orders = document["paths"]["/api/order"]["get"]

    assert orders["x-beyond-schema"] == ["after", "cursor", "customer", "search"]
    assert "- `after`: must name a command you submitted (else 422)." in orders["description"]


def test_an_undeclared_method_is_405_with_allow_before_any_other_check(people: People) -> None:
    """TRACE with an `after` naming nothing: the method is refused, not the parameter."""
    answer = people.alice.request("TRACE", f"/api/order?after={uuid.uuid4()}")

    assert problem(answer, 405)["detail"] == 'Method "TRACE" not allowed.'
    assert answer["Allow"] == "GET, POST, HEAD, OPTIONS"


@pytest.mark.parametrize(
    ("query", "field"),
    [("search=", "search"), ("vendorId=", "vendorId"), ("pageSize=0", "pageSize"),
     ("pageSize=201", "pageSize"), ("pageSize=null", "pageSize")],
)  # fmt: skip
def test_a_query_parameter_the_schema_refuses_is_422(
    people: People, query: str, field: str
) -> None:
    answer = people.alice.get(f"/api/products?{query}")

    assert list(problem(answer, 422)["errors"]) == [field]


def test_an_idempotency_key_of_spaces_is_refused_by_the_schema_and_the_server(
    people: People, document: dict
) -> None:
    parameters = document["paths"]["/api/products"]["post"]["parameters"]
    (key,) = [p for p in parameters if p["name"] == "Idempotency-Key"]
    assert re.search(key["schema"]["pattern"], "   ") is None

    with nothing_stored():
        answer = people.staff.post(
            "/api/products",
            {"vendorId": str(uuid.uuid4()), "name": "Teapot", "price": "25.00"},
            headers={"Idempotency-Key": "   "},
        )

    assert list(problem(answer, 422)["errors"]) == ["Idempotency-Key"]
