"""Signing up and getting a token."""

from __future__ import annotations

import uuid

import pytest
from django.contrib.auth.models import User
from django.test import Client

from shop.tokens.models import ApiToken, key_digest
from tests.api.conftest import Api, People, problem

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


def name() -> str:
    return f"shopper-{uuid.uuid4().hex[:8]}"


def test_signup_answers_a_token_that_signs_requests_in(people: People) -> None:
    username = name()

    response = people.anonymous.post(
        "/api/auth/signup", {"username": username, "password": PASSWORD, "email": "a@example.com"}
    )

    assert response.status_code == 201
    token = response.json()["token"]
    assert ApiToken.objects.get(digest=key_digest(token)).user.username == username
    user = User.objects.get(username=username)
    assert user.check_password(PASSWORD)
    assert not user.is_staff
    signed_in = Client().get(
        f"/api/commands/{uuid.uuid4()}", headers={"Authorization": f"Token {token}"}
    )
    assert signed_in.status_code == 404  # not 401: the token is good


def test_the_token_endpoint_hands_out_a_new_token_beside_the_first(people: People) -> None:
    username = name()
    signed_up = people.anonymous.post(
        "/api/auth/signup", {"username": username, "password": PASSWORD, "email": "b@example.com"}
    )

    response = people.anonymous.post(
        "/api/auth/token", {"username": username, "password": PASSWORD}
    )

    assert response.status_code == 200
    assert set(response.json()) == {"token", "expiresAt"}
    tokens = [signed_up.json()["token"], response.json()["token"]]
    assert tokens[0] != tokens[1]
    for token in tokens:
        signed_in = Client().get(
            f"/api/commands/{uuid.uuid4()}", headers={"Authorization": f"Token {token}"}
        )
        assert signed_in.status_code == 404  # not 401: both tokens are good


@pytest.mark.parametrize("password", [PASSWORD + "!", ""])
def test_wrong_credentials_are_401(people: People, password: str) -> None:
    username = name()
    User.objects.create_user(username, password=PASSWORD)

    response = people.anonymous.post(
        "/api/auth/token", {"username": username, "password": password}
    )

    body = problem(response, 401 if password else 422)
    if password:
        assert response["WWW-Authenticate"] == "Token"
        assert body["detail"] == "Wrong username or password."


def test_an_inactive_user_gets_no_token(people: People) -> None:
    username = name()
    User.objects.create_user(username, password=PASSWORD, is_active=False)

    response = people.anonymous.post(
        "/api/auth/token", {"username": username, "password": PASSWORD}
    )

    problem(response, 401)


def test_a_taken_username_is_422(people: People) -> None:
    username = name()
    User.objects.create_user(username)

    response = people.anonymous.post(
        "/api/auth/signup", {"username": username, "password": PASSWORD, "email": "c@example.com"}
    )

    assert problem(response, 422)["errors"] == {"username": ["This username is taken."]}
    assert User.objects.filter(username=username).count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"username": "u", "password": "123", "email": "d@example.com"}, "password"),
        ({"username": "u", "password": "password", "email": "d@example.com"}, "password"),
        ({"username": "u", "password": PASSWORD, "email": "not-an-email"}, "email"),
        ({"username": "a b", "password": PASSWORD, "email": "d@example.com"}, "username"),
        ({"username": "u", "password": PASSWORD}, "email"),
        ({"username": "u", "password": PASSWORD, "email": "e@x.com", "isStaff": 1}, "isStaff"),
    ],
)  # fmt: skip
def test_an_invalid_signup_is_422_and_creates_no_user(
    people: People, body: dict, field: str
) -> None:
    users = User.objects.count()

    response = people.anonymous.post("/api/auth/signup", body)

    assert field in problem(response, 422)["errors"]
    assert User.objects.count() == users


def test_a_bad_token_is_401_even_where_anyone_may_read(people: People) -> None:
    response = Client().get("/api/products", headers={"Authorization": "Token nope"})

    problem(response, 401)


def test_session_sign_in_works_and_writes_need_the_csrf_token(people: People) -> None:
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(people.alice.user)
    cart = uuid.uuid4()

    read = browser.get(f"/api/cart/{cart}")
    write = browser.post(
        f"/api/cart/{cart}",
        {"productId": str(uuid.uuid4()), "quantity": 1},
        content_type="application/json",
    )

    problem(read, 404)  # signed in: the cart simply does not exist
    assert "CSRF" in problem(write, 403)["detail"]


def test_session_writes_with_the_csrf_token_are_accepted(people: People, create_product) -> None:
    teapot = create_product()
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(people.alice.user)
    browser.get("/api/products")  # any page; the token comes from the cookie
    browser.cookies["csrftoken"] = "a" * 32

    response = browser.post(
        f"/api/cart/{uuid.uuid4()}",
        {"productId": teapot, "quantity": 1},
        content_type="application/json",
        headers={"X-CSRFToken": "a" * 32},
    )

    assert response.status_code == 202, response.content


def test_anonymous_writes_are_401(people: People) -> None:
    response = Api().post(
        f"/api/cart/{uuid.uuid4()}", {"productId": str(uuid.uuid4()), "quantity": 1}
    )

    assert problem(response, 401)["type"] == "about:blank"
    assert response["WWW-Authenticate"] == "Token"
