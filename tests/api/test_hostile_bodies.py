"""Hostile bodies on every JSON write: nesting, money that is not plain text, quantities
that are not JSON integers. Each is a 4xx problem and stores nothing."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from drf_spectacular.generators import EndpointEnumerator

from tests.api.conftest import People, nothing_stored, problem

pytestmark = pytest.mark.django_db

BODY_METHODS = ("POST", "PUT", "PATCH")
DEEP = "[" * 2000 + "]" * 2000


def json_writes() -> list[tuple[str, str]]:
    """(method, path template) of every operation that reads a JSON body, from the URL
    conf: a new endpoint is covered without being listed here."""
    endpoints = EndpointEnumerator().get_api_endpoints()
    return sorted({(method, path) for path, _, method, _ in endpoints if method in BODY_METHODS})


def test_the_writes_are_found() -> None:
    writes = json_writes()

    assert len(writes) == 18
    assert {
        ("POST", "/api/order"),
        ("PATCH", "/api/cart/{cartId}/productId/{productId}"),
        ("POST", "/api/webhooks"),
        ("PATCH", "/api/webhooks/{webhookId}"),
    } <= set(writes)


@pytest.mark.parametrize(("method", "template"), json_writes())
def test_a_body_nested_2000_deep_is_400_everywhere(
    people: People, method: str, template: str
) -> None:
    """Whoever may call it gets 400 malformed-body; whoever may not gets their 401 or
    403; no one a 5xx; and nothing is stored, idempotency records included."""
    path = re.sub(r"\{[^}]+\}", lambda _: str(uuid.uuid4()), template)
    statuses = []
    with nothing_stored():
        for caller in (people.anonymous, people.alice, people.staff):
            response = caller.request(method, path, raw=DEEP, headers={"Idempotency-Key": "deep"})
            body = problem(response, response.status_code)
            statuses.append(response.status_code)
            if response.status_code == 400:
                assert body["type"] == "/api/problems/malformed-body"
                assert (
                    body["detail"] == "The body is not valid JSON: it nests deeper than 32 levels"
                )

    assert 400 in statuses
    assert set(statuses) <= {400, 401, 403}


@pytest.mark.parametrize(
    "raw",
    [
        '{"name": ' + "[" * 33 + "]" * 33 + "}",  # just past the limit
        '{"name": ' + '{"a": ' * 500 + "1" + "}" * 500 + "}",
    ],
)
def test_a_body_nested_past_32_levels_is_400(people: People, raw: str) -> None:
    with nothing_stored():
        response = people.staff.post("/api/products", raw=raw)

    assert problem(response, 400)["type"] == "/api/problems/malformed-body"


def test_a_body_nested_32_deep_is_read_as_json(people: People) -> None:
    raw = '{"name": ' + "[" * 31 + "]" * 31 + "}"

    with nothing_stored():
        response = people.staff.post("/api/products", raw=raw)

    assert problem(response, 422)["errors"]["name"] == ["Must be a string."]


# Money: strings of ASCII digits, an optional point and at most two places -------------


HOSTILE_MONEY = {
    "an exponent": "1e3",
    "an upper-case exponent": "1E2",
    "underscores": "1_000",
    "Arabic-Indic digits": "١٢",
    "full-width digits": "\uff11\uff12",
    "a leading space": " 12",
    "a trailing space": "12 ",
    "a trailing newline": "12\n",
    "three places": "12.345",
    "NaN": "NaN",
    "Infinity": "Infinity",
    "a plus sign": "+12",
    "a bare point": "12.",
    "no units": ".50",
    "a comma": "12,50",
    "hex": "0x10",
    "empty": "",
    "a JSON number": 12,
    "a JSON float": 12.5,
    "true": True,
}  # fmt: skip
MONEY_MESSAGE = 'Must be a string of digits with at most two decimal places, such as "12.50".'


def money_writes(product: str, invoice: str, cart: str) -> list[tuple[str, str, dict]]:
    """Every write that takes money, with the field it goes in: a body otherwise valid."""
    vendor = str(uuid.uuid4())
    return [
        ("staff", "/api/products", {"vendorId": vendor, "name": "Pot", "price": "<money>"}),
        ("staff", f"/api/products/{product}", {"price": "<money>"}),
        ("staff", f"/api/invoices/{invoice}/payments", {"amount": "<money>", "reference": "r1"}),
        ("alice", f"/api/cart/{cart}", {"productId": product, "quantity": 1, "price": "<money>"}),
    ]


@pytest.mark.parametrize("value", HOSTILE_MONEY.values(), ids=HOSTILE_MONEY.keys())
def test_money_that_is_not_plain_text_is_422_everywhere(
    people: People, create_product, value: Any
) -> None:
    product = create_product("Pot", "12.00")
    writes = money_writes(product, str(uuid.uuid4()), str(uuid.uuid4()))

    for who, path, template in writes:
        field = next(name for name, given in template.items() if given == "<money>")
        body = {**template, field: value}
        method = "PATCH" if path.startswith("/api/products/") else "POST"
        with nothing_stored():
            response = people.as_(who).request(method, path, body)

        assert problem(response, 422)["errors"] == {field: [MONEY_MESSAGE]}, path


@pytest.mark.parametrize("value", ["12", "12.5", "12.50", "0012.50"])
def test_plain_money_is_taken(people: People, value: str) -> None:
    body = {"vendorId": str(uuid.uuid4()), "name": "Pot", "price": value}

    response = people.staff.post("/api/products", body)

    assert response.status_code == 202, response.content


# Quantities: JSON integers --------------------------------------------------------------


QUANTITY_MESSAGE = "Must be an integer."


@pytest.mark.parametrize(
    "value", [1.0, "2", True, 2.5, None, [1]], ids=["1.0", "'2'", "true", "2.5", "null", "[1]"]
)
def test_a_quantity_that_is_not_a_json_integer_is_422(
    people: People, create_product, value: Any
) -> None:
    product = create_product("Pot", "12.00")
    home = {"name": "A", "line1": "1 St", "city": "C", "postalCode": "1", "country": "US"}
    cart = f"/api/cart/{uuid.uuid4()}"
    order = {"lines": [{"productId": product, "quantity": value}], "shippingAddress": home}

    with nothing_stored():
        to_cart = people.alice.post(cart, {"productId": product, "quantity": value})
        ordered = people.alice.post("/api/order", order)
        adjusted = people.alice.patch(f"{cart}/productId/{product}", {"delta": value})

    expected = ["This field may not be null."] if value is None else [QUANTITY_MESSAGE]
    assert problem(to_cart, 422)["errors"] == {"quantity": expected}
    assert problem(ordered, 422)["errors"] == {"lines.0.quantity": expected}
    assert problem(adjusted, 422)["errors"] == {"delta": expected}
