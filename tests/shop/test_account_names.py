"""One account per username and per email address, whatever their case: at signup, in
the back-office's user forms, and in the database itself."""

from __future__ import annotations

import importlib
import uuid
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import User
from django.db import IntegrityError, connection, transaction
from django.forms.models import model_to_dict
from django.test import Client
from rest_framework.exceptions import ValidationError

from shop.api.accounts import sign_up
from shop.api.admin import UserChange, UserCreation
from tests.api.conftest import Api, problem

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
MIGRATION = importlib.import_module(
    "shop.migrations.0003_usernames_and_emails_unique_whatever_case"
)


def unique(name: str) -> str:
    return f"{name}{uuid.uuid4().hex[:8]}"


def signup(username: str, email: str) -> object:
    body = {"username": username, "password": PASSWORD, "email": email}
    return Api().post("/api/auth/signup", body)


@pytest.mark.parametrize("twin", [str.lower, str.upper, str])
def test_a_username_differing_only_in_case_is_refused_at_signup(twin) -> None:
    alice = unique("Alice")
    assert signup(alice, f"{alice}@example.com").status_code == 201
    users = User.objects.count()

    response = signup(twin(alice), f"other-{alice}@example.com")

    assert problem(response, 422)["errors"] == {"username": ["This username is taken."]}
    assert User.objects.count() == users


def test_an_email_differing_only_in_case_is_refused_at_signup() -> None:
    email = f"{unique('Alice')}@Example.com"
    assert signup(unique("alice"), email).status_code == 201
    users = User.objects.count()

    response = signup(unique("other"), email.upper())

    assert problem(response, 422)["errors"] == {
        "email": ["An account with this email address exists."]
    }
    assert User.objects.count() == users


def test_a_twin_that_passed_the_check_is_refused_by_the_index_with_the_same_error() -> None:
    alice = unique("Alice")
    User.objects.create_user(alice, email=f"{alice}@example.com")

    with pytest.raises(ValidationError) as refused:
        sign_up(alice.lower(), PASSWORD, f"other-{alice}@example.com")

    assert refused.value.detail == {"username": ["This username is taken."]}
    assert User.objects.filter(username__iexact=alice).count() == 1


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ({"username": "Alice"}, {"username": "alice"}),
        ({"username": "a1", "email": "Alice@Example.com"},
         {"username": "a2", "email": "alice@example.com"}),
    ],
)  # fmt: skip
def test_the_database_refuses_case_twins(first: dict, second: dict) -> None:
    User.objects.create(**first)

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(**second)

    assert User.objects.filter(username=second["username"]).count() == (
        1 if first["username"] == second["username"] else 0
    )


def test_many_accounts_may_have_no_email() -> None:
    User.objects.create(username=unique("a"), email="")

    User.objects.create(username=unique("b"), email="")

    assert User.objects.filter(email="").count() >= 2


def test_the_back_office_refuses_case_twins_when_adding_and_changing() -> None:
    alice = User.objects.create_user(unique("Alice"), email="alice@example.com")
    bob = User.objects.create_user(unique("bob"), email="bob@example.com")
    added = UserCreation(
        data={"username": alice.username.upper(), "password1": PASSWORD, "password2": PASSWORD}
    )
    changed = UserChange(
        instance=bob,
        data={
            **model_to_dict(bob),
            "username": alice.username.lower(),
            "email": "ALICE@example.com",
        },
    )

    assert not added.is_valid() and added.errors == {"username": ["This username is taken."]}
    assert not changed.is_valid()
    assert changed.errors == {
        "username": ["This username is taken."],
        "email": ["An account with this email address exists."],
    }
    bob.refresh_from_db()
    assert bob.email == "bob@example.com" and bob.username.startswith("bob")


def test_the_back_office_keeps_a_user_s_own_name_and_email() -> None:
    alice = User.objects.create_user(unique("Alice"), email="alice@example.com")

    changed = UserChange(instance=alice, data={**model_to_dict(alice), "first_name": "Alice"})

    assert changed.is_valid(), changed.errors


@pytest.mark.database_owner  # the migration drops and recreates its indexes
def test_the_migration_names_existing_case_twins_and_stops() -> None:
    with connection.cursor() as cursor:  # rolled back with the test's transaction
        cursor.execute(f"DROP INDEX {MIGRATION.USERNAME_INDEX}")
        cursor.execute(f"DROP INDEX {MIGRATION.EMAIL_INDEX}")
    first = User.objects.create(username="Twin-x", email="twin@example.com")
    second = User.objects.create(username="twin-X", email="TWIN@example.com")

    with pytest.raises(RuntimeError) as stopped:
        MIGRATION.refuse_duplicates(None, SimpleNamespace(connection=connection))

    assert f"username Twin-x (id {first.pk}), twin-X (id {second.pk})" in str(stopped.value)
    assert f"email twin@example.com (id {first.pk}), TWIN@example.com (id {second.pk})" in str(
        stopped.value
    )


def test_the_back_office_add_user_page_shows_the_error_and_adds_no_one() -> None:
    alice = User.objects.create_user(unique("Alice"))
    browser = Client()
    browser.force_login(User.objects.create_superuser(unique("root")))
    users = User.objects.count()

    response = browser.post(
        "/admin/auth/user/add/",
        {"username": alice.username.upper(), "password1": PASSWORD, "password2": PASSWORD,
         "usable_password": "true"},
    )  # fmt: skip

    assert response.status_code == 200
    assert "This username is taken." in response.content.decode()
    assert User.objects.count() == users
