"""Failed sign-ins are limited per account and per client address, on every sign-in path,
and a refused guess is never hashed."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.hashers import MD5PasswordHasher
from django.contrib.auth.models import User
from django.core.asgi import get_asgi_application
from django.test import Client

from shop.tokens.keys import live_token
from shop.tokens.models import ApiToken
from tests.api.asgi import Answer, request
from tests.api.conftest import problem

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
LOCKED = "Too many failed sign-ins for this account or from this address. Try again in 15 minutes."


class CountingHasher(MD5PasswordHasher):
    """The suite's MD5 hasher, counting every hash it computes (a check hashes too)."""

    hashes = 0

    def encode(self, password: str, salt: str) -> str:
        CountingHasher.hashes += 1
        return super().encode(password, salt)


@pytest.fixture(autouse=True)
def counting_hasher(settings: Any) -> Iterator[None]:
    settings.PASSWORD_HASHERS = [f"{__name__}.CountingHasher"]
    settings.SHOP_LOGIN_FAILURE_LIMIT = 10
    settings.SHOP_LOGIN_LOCKOUT_MINUTES = 15
    CountingHasher.hashes = 0
    yield


def sign_in_by_token(client: Client, username: str, password: str) -> Any:
    body = json.dumps({"username": username, "password": password})
    return client.post("/api/auth/token", body, content_type="application/json")


def sign_in_to_admin(client: Client, username: str, password: str) -> Any:
    return client.post("/admin/login/", {"username": username, "password": password})


def sign_in_to_pages(client: Client, username: str, password: str) -> Any:
    return client.post("/accounts/login/", {"username": username, "password": password})


SignIn = Callable[[Client, str, str], Any]
PATHS = {"token": sign_in_by_token, "admin": sign_in_to_admin, "pages": sign_in_to_pages}


def account(staff: bool = True) -> User:
    return User.objects.create_user(f"u-{uuid.uuid4().hex[:10]}", password=PASSWORD, is_staff=staff)


def address() -> str:
    raw = uuid.uuid4().int
    return f"10.{raw % 250}.{raw // 250 % 250}.{raw // 62500 % 250 + 1}"


def signed_in(client: Client, response: Any, path: str) -> bool:
    if path == "token":
        return response.status_code == 200
    return "_auth_user_id" in client.session


def assert_locked_out(response: Any, path: str) -> None:
    if path == "token":
        assert problem(response, 429)["detail"] == LOCKED
    else:
        assert response.status_code == 429
        assert LOCKED in response.content.decode()
    assert response["Retry-After"] == "900"


@pytest.mark.parametrize("path", PATHS)
def test_the_eleventh_failure_on_an_account_is_refused_without_hashing(path: str) -> None:
    user, sign_in = account(), PATHS[path]
    created = CountingHasher.hashes
    for attempt in range(9):  # each from another address: the account's own limit
        response = sign_in(Client(REMOTE_ADDR=address()), user.username, f"guess {attempt}")
        assert response.status_code in (200, 401) and not signed_in(Client(), response, path)
    tenth = sign_in(Client(REMOTE_ADDR=address()), user.username, "guess 9")
    hashed = CountingHasher.hashes

    eleventh = sign_in(Client(REMOTE_ADDR=address()), user.username, "guess 10")
    browser = Client(REMOTE_ADDR=address())
    right = sign_in(browser, user.username, PASSWORD)

    assert hashed - created == 10  # one hash for each failure the limit allows
    assert_locked_out(tenth, path)
    assert_locked_out(eleventh, path)
    assert_locked_out(right, path)
    assert CountingHasher.hashes == hashed  # neither the guess nor the password was hashed
    assert not signed_in(browser, right, path)
    assert not ApiToken.objects.filter(user=user).exists()


@pytest.mark.parametrize("path", PATHS)
def test_one_address_is_limited_across_many_usernames(path: str) -> None:
    sign_in, peer, user = PATHS[path], address(), account()
    for n in range(10):  # a new X-Forwarded-For each time: not believed from a client
        client = Client(REMOTE_ADDR=peer, HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
        sign_in(client, f"nobody-{uuid.uuid4().hex[:8]}", "guess")
    hashed = CountingHasher.hashes
    browser = Client(REMOTE_ADDR=peer, HTTP_X_FORWARDED_FOR="198.51.100.99")

    refused = sign_in(browser, user.username, PASSWORD)
    elsewhere = Client(REMOTE_ADDR=address())
    allowed = sign_in(elsewhere, user.username, PASSWORD)

    assert_locked_out(refused, path)
    assert CountingHasher.hashes == hashed + 1  # only the sign-in from elsewhere
    assert not signed_in(browser, refused, path)
    assert signed_in(elsewhere, allowed, path)


def test_the_account_s_count_ignores_the_username_s_case() -> None:
    user = account(staff=False)
    for n in range(10):
        variant = user.username.upper() if n % 2 else user.username
        sign_in_by_token(Client(REMOTE_ADDR=address()), variant, "guess")

    response = sign_in_by_token(Client(REMOTE_ADDR=address()), user.username, PASSWORD)

    assert_locked_out(response, "token")
    assert AccessAttempt.objects.filter(username=user.username.lower()).count() == 10


def test_below_the_limit_the_right_password_signs_in() -> None:
    user = account(staff=False)
    for _ in range(9):
        problem(sign_in_by_token(Client(), user.username, "guess"), 401)

    response = sign_in_by_token(Client(), user.username, PASSWORD)

    assert response.status_code == 200
    assert live_token(response.json()["token"]).user == user


@pytest.fixture
def committed_account(committed_db: None) -> Iterator[User]:
    user = User.objects.create_user(f"u-{uuid.uuid4().hex[:10]}", password=PASSWORD)
    yield user
    AccessAttempt.objects.filter(username=user.username).delete()
    user.delete()


async def test_under_asgi_a_locked_out_token_request_is_a_429_problem(
    committed_account: User, settings: Any
) -> None:
    settings.SHOP_TRUSTED_PROXIES = ["127.0.0.1"]  # the in-process client's address
    app, name = get_asgi_application(), committed_account.username

    async def sign_in(password: str) -> Answer:
        body = {"username": name, "password": password}
        forwarded = [("X-Forwarded-For", address())]
        return await request(app, "POST", "/api/auth/token", body=body, headers=forwarded)

    statuses = [(await sign_in(f"guess {n}")).status for n in range(10)]
    answer = await sign_in(PASSWORD)

    assert statuses == [401] * 9 + [429]
    assert answer.status == 429
    assert answer.header("content-type") == "application/problem+json"
    assert answer.header("retry-after") == "900"
    assert answer.json()["detail"] == LOCKED
