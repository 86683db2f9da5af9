"""API tokens: only a digest is stored, they expire, and a new password or a deactivated
user revokes them. Through the API, against the real Postgres."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from shop.tokens.keys import issue
from shop.tokens.models import ApiToken, key_digest, password_digest
from tests.api.conftest import nothing_stored, problem

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


def a_user(**fields: object) -> User:
    return User.objects.create_user(f"tok-{uuid.uuid4().hex[:10]}", password=PASSWORD, **fields)


def place_order(key: str) -> Client:
    """A write any signed-in customer may send: placing an order for nothing in stock."""
    body = {"lines": [{"productId": str(uuid.uuid4()), "quantity": 1}]}
    return Client().post(
        "/api/order",
        body,
        content_type="application/json",
        headers={"Authorization": f"Token {key}"},
    )


def read_products(key: str) -> Client:
    return Client().get("/api/products", headers={"Authorization": f"Token {key}"})


def test_the_stored_token_holds_a_digest_and_prefix_never_the_key(settings) -> None:
    settings.SHOP_TOKEN_TTL = 3600
    user = a_user()
    before = timezone.now()

    response = Client().post(
        "/api/auth/token", {"username": user.username, "password": PASSWORD},
        content_type="application/json",
    )  # fmt: skip

    key = response.json()["token"]
    [row] = ApiToken.objects.filter(user=user).values()
    assert response.status_code == 200
    assert len(key) == 40 and int(key, 16) >= 0
    assert key not in str(row.values())
    assert row["digest"] == key_digest(key)
    assert row["prefix"] == key[:8]
    assert row["password_digest"] == password_digest(User.objects.get(pk=user.pk).password)
    assert row["expires"] - row["created"] == dt.timedelta(seconds=3600)
    assert before <= row["created"] <= timezone.now()
    assert response.json()["expiresAt"] == row["expires"].isoformat().replace("+00:00", "Z")


def test_an_expired_token_is_a_401_problem_and_changes_nothing() -> None:
    user = a_user()
    key = issue(user).key
    ApiToken.objects.filter(user=user).update(expires=timezone.now())

    with nothing_stored():
        response = place_order(key)

    body = problem(response, 401)
    assert body["detail"] == "Invalid or expired token."
    assert response["WWW-Authenticate"] == "Token"


def test_a_token_works_until_it_expires() -> None:
    user = a_user()
    key = issue(user).key
    ApiToken.objects.filter(user=user).update(expires=timezone.now() + dt.timedelta(seconds=30))

    assert read_products(key).status_code == 200


def test_a_new_password_revokes_every_token_of_the_user() -> None:
    user, other = a_user(), a_user()
    keys = [issue(user).key, issue(user).key]
    others = issue(other).key

    user.set_password("another horse battery staple")
    user.save()

    for key in keys:
        assert problem(read_products(key), 401)["detail"] == "Invalid or expired token."
    assert read_products(others).status_code == 200


def test_deactivating_a_user_revokes_their_tokens_and_reactivating_restores_them() -> None:
    user = a_user()
    key = issue(user).key

    User.objects.filter(pk=user.pk).update(is_active=False)
    refused = read_products(key)
    User.objects.filter(pk=user.pk).update(is_active=True)

    problem(refused, 401)
    assert read_products(key).status_code == 200


def test_signing_in_drops_the_users_dead_tokens_only() -> None:
    user, other = a_user(), a_user()
    expired, live = issue(user).key, issue(user).key
    others_expired = issue(other).key
    ApiToken.objects.filter(digest__in=[key_digest(expired), key_digest(others_expired)]).update(
        expires=timezone.now()
    )

    fresh = issue(user).key

    assert sorted(ApiToken.objects.filter(user=user).values_list("digest", flat=True)) == sorted(
        [key_digest(live), key_digest(fresh)]
    )
    assert ApiToken.objects.filter(digest=key_digest(others_expired)).exists()
