"""The back-office's token page: staff see who holds tokens and revoke them, never a key."""

from __future__ import annotations

import uuid

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client

from shop.tokens.keys import issue
from shop.tokens.models import ApiToken, key_digest

pytestmark = pytest.mark.django_db

PAGE = "/admin/tokens/apitoken/"


def staff_with(*codenames: str) -> Client:
    user = User.objects.create_user(f"staff-{uuid.uuid4().hex[:10]}", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    client = Client()
    client.force_login(user)
    return client


def a_token() -> tuple[ApiToken, str]:
    key = issue(User.objects.create_user(f"holder-{uuid.uuid4().hex[:10]}")).key
    return ApiToken.objects.get(digest=key_digest(key)), key


def test_the_list_shows_prefix_and_holder_never_the_key_or_digest() -> None:
    token, key = a_token()
    staff = staff_with("view_apitoken")

    page = staff.get(PAGE, {"q": token.user.username}).content.decode()
    detail = staff.get(f"{PAGE}{token.pk}/change/").content.decode()

    assert token.prefix in page and token.user.username in page
    for text in (page, detail):
        assert key not in text
        assert token.digest not in text
        assert token.password_digest not in text


def test_nobody_adds_or_edits_a_token_not_even_a_superuser() -> None:
    token, _ = a_token()
    root = User.objects.create_superuser(f"root-{uuid.uuid4().hex[:10]}")
    client = Client()
    client.force_login(root)
    before = list(ApiToken.objects.filter(pk=token.pk).values())

    added = client.post(f"{PAGE}add/", {"prefix": "x", "user": root.pk})
    edited = client.post(f"{PAGE}{token.pk}/change/", {"prefix": "x", "user": root.pk})

    assert (added.status_code, edited.status_code) == (403, 403)
    assert list(ApiToken.objects.filter(pk=token.pk).values()) == before
    assert not ApiToken.objects.filter(user=root).exists()


def test_staff_with_the_delete_permission_revoke_a_token() -> None:
    token, key = a_token()
    staff = staff_with("view_apitoken", "delete_apitoken")

    response = staff.post(f"{PAGE}{token.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not ApiToken.objects.filter(pk=token.pk).exists()
    refused = Client().get("/api/products", headers={"Authorization": f"Token {key}"})
    assert refused.status_code == 401


def test_staff_without_the_delete_permission_cannot_revoke() -> None:
    token, _ = a_token()
    staff = staff_with("view_apitoken")

    response = staff.post(f"{PAGE}{token.pk}/delete/", {"post": "yes"})

    assert response.status_code == 403
    assert ApiToken.objects.filter(pk=token.pk).exists()
