"""Who may do what: anonymous, customer Alice (the cart's owner), customer Bob, staff.

Someone else's cart or command is a 404, never a 403; staff do not shop (403 on carts).

The callers, Alice's cart and an account to ask a token for are set up once and
committed: each test makes one request, and what it stores is rolled back with the
test's transaction.
"""

# ruff: noqa: E501  (the parameter tables read best one case a line)

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import User

from tests.api.conftest import Api, People, execute, make_user
from tests.api.flow import product_maker

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "alice", "bob", "staff")
ADDRESS = {"name": "A", "line1": "B", "city": "C", "postalCode": "D", "country": "DE"}


@dataclass
class World:
    """The four callers; a product in Alice's cart, and the command that put it there;
    an account with a password."""

    people: People
    product: str
    cart: str
    command: str
    username: str


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any) -> World:
    with django_db_blocker.unblock():
        people = People(Api(), Api(make_user()), Api(make_user()), Api(make_user(staff=True)))
        product = product_maker(people)("Teapot", "25.00", str(uuid.uuid4()))
        cart = str(uuid.uuid4())
        added = people.alice.post(f"/api/cart/{cart}", {"productId": product, "quantity": 1})
        execute()
        username = f"matrix-{uuid.uuid4().hex[:10]}"
        User.objects.create_user(username, password="a long enough password")
        return World(people, product, cart, added.json()["commandId"], username)


def signup() -> dict:
    return {
        "username": f"u{uuid.uuid4().hex[:10]}",
        "password": "a long enough password",
        "email": "u@example.com",
    }


ENDPOINTS = {
    # name: (method, path, body, expected status for anonymous, alice, bob, staff)
    "signup": ("POST", "/api/auth/signup", signup, (201, 201, 201, 201)),
    "token": ("POST", "/api/auth/token", {"username": "{username}", "password": "a long enough password"}, (200, 200, 200, 200)),
    "health": ("GET", "/api/health/live", None, (200, 200, 200, 200)),
    "schema": ("GET", "/api/schema/", None, (200, 200, 200, 200)),
    "docs": ("GET", "/api/docs/", None, (200, 200, 200, 200)),
    "product list": ("GET", "/api/products", None, (200, 200, 200, 200)),
    "product": ("GET", "/api/products/{product}", None, (200, 200, 200, 200)),
    "create product": ("POST", "/api/products", {"vendorId": str(uuid.UUID(int=3)), "name": "N", "price": "1.00"}, (401, 403, 403, 202)),
    "change price": ("PATCH", "/api/products/{product}", {"price": "2.00"}, (401, 403, 403, 202)),
    "discontinue": ("POST", "/api/products/{product}/discontinue", None, (401, 403, 403, 202)),
    "cart": ("GET", "/api/cart/{cart}", None, (401, 200, 404, 403)),
    "add item": ("POST", "/api/cart/{cart}", {"productId": "{product}", "quantity": 1}, (401, 202, 404, 403)),
    "remove item": ("DELETE", "/api/cart/{cart}/productId/{product}", None, (401, 202, 404, 403)),
    "adjust quantity": ("PATCH", "/api/cart/{cart}/productId/{product}", {"delta": 1}, (401, 202, 404, 403)),
    "check out": ("POST", "/api/cart/{cart}/checkout", {"shippingAddress": ADDRESS}, (401, 202, 404, 403)),
    "command": ("GET", "/api/commands/{command}", None, (401, 200, 404, 200)),
}  # fmt: skip


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_authorization(world: World, endpoint: str, role: str) -> None:
    method, path, body, expected = ENDPOINTS[endpoint]
    fill = {
        "product": world.product,
        "cart": world.cart,
        "command": world.command,
        "username": world.username,
    }
    body = body() if callable(body) else body
    if isinstance(body, dict):
        body = {
            key: value.format(**fill) if isinstance(value, str) else value
            for key, value in body.items()
        }

    response = world.people.as_(role).request(method, path.format(**fill), body)

    assert response.status_code == expected[ROLES.index(role)], response.content
    if response.status_code >= 400:
        assert response["Content-Type"] == "application/problem+json"
