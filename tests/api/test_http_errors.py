"""Errors that come from HTTP itself: bodies, media types, methods, addresses."""

from __future__ import annotations

import uuid

import pytest
from django.test import RequestFactory

from shop.api.parsers import read_body
from shop.api.problems import PayloadTooLarge, server_error
from tests.api.conftest import People, nothing_stored, problem

pytestmark = pytest.mark.django_db

PRODUCT = {"vendorId": str(uuid.UUID(int=9)), "name": "Big", "price": "1.00"}


@pytest.mark.parametrize("raw", ['{"vendorId": ', "{'single': 'quotes'}", '{"price": NaN}', "\xff"])
def test_malformed_json_is_400(people: People, raw: str) -> None:
    with nothing_stored():
        response = people.staff.post("/api/products", raw=raw)

    assert problem(response, 400)["type"] == "/api/problems/malformed-body"


def test_a_body_that_is_not_an_object_is_422(people: People) -> None:
    with nothing_stored():
        response = people.staff.post("/api/products", [PRODUCT])

    assert list(problem(response, 422)["errors"]) == ["nonFieldErrors"]


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml"]
)
def test_a_body_that_is_not_json_is_415(people: People, content_type: str) -> None:
    with nothing_stored():
        response = people.staff.post("/api/products", raw="name=Big", content_type=content_type)

    problem(response, 415)


def test_a_body_over_64_kib_is_413(people: People) -> None:
    body = {**PRODUCT, "name": "x" * (64 * 1024)}

    with nothing_stored():
        response = people.staff.post("/api/products", body)

    problem(response, 413)


def test_a_body_of_exactly_64_kib_is_read(people: People) -> None:
    padding = 64 * 1024 - len('{"name":""}')
    with nothing_stored():
        response = people.staff.post("/api/products", raw='{"name":"' + "x" * padding + '"}')

    assert sorted(problem(response, 422)["errors"]) == ["name", "price", "vendorId"]


def test_the_limit_holds_without_a_content_length() -> None:
    request = RequestFactory().post(
        "/api/products", b"x" * (64 * 1024 + 1), content_type="application/json"
    )
    del request.META["CONTENT_LENGTH"]

    with pytest.raises(PayloadTooLarge):
        read_body(request)


def test_a_lying_content_length_is_checked_before_reading() -> None:
    request = RequestFactory().post("/api/products", b"{}", content_type="application/json")
    request.META["CONTENT_LENGTH"] = str(10**9)

    with pytest.raises(PayloadTooLarge):
        read_body(request)


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("PUT", "/api/products", "GET, POST, HEAD, OPTIONS"),
        ("DELETE", f"/api/products/{uuid.UUID(int=1)}", "GET, PATCH, HEAD, OPTIONS"),
        ("GET", f"/api/products/{uuid.UUID(int=1)}/discontinue", "POST, OPTIONS"),
        ("POST", f"/api/commands/{uuid.UUID(int=1)}", "GET, HEAD, OPTIONS"),
    ],
)
def test_an_unsupported_method_is_405(people: People, method: str, path: str, allow: str) -> None:
    with nothing_stored():
        response = people.staff.request(method, path, {})

    problem(response, 405)
    assert response["Allow"] == allow


@pytest.mark.parametrize(
    "path", ["/api/nothing-here", "/api/products/not-a-uuid", "/api/cart/1/checkout"]
)
def test_an_unknown_address_is_a_404_problem(people: People, path: str) -> None:
    assert problem(people.alice.get(path), 404)["type"] == "about:blank"


def test_a_server_error_under_api_is_a_problem() -> None:
    response = server_error(RequestFactory().get("/api/products"))

    assert response.status_code == 500
    assert response["Content-Type"] == "application/problem+json"


def test_pages_outside_api_keep_their_html(people: People) -> None:
    response = people.alice.get("/no-such-page")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_problem_types_are_described(people: People) -> None:
    response = people.anonymous.get("/api/problems/validation")

    assert response.json()["type"] == "/api/problems/validation"
    problem(people.anonymous.get("/api/problems/nope"), 404)


def test_an_accept_header_asking_for_something_else_still_gets_json(people: People) -> None:
    response = people.anonymous.get("/api/products", headers={"Accept": "text/html"})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
