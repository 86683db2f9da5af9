"""`manage.py ensure_admin`: the staff account `make run` promises.

BASE_DIR points at a temporary folder, so a developer's real `.run/admin-password`
is never touched. Most tests run in a rolled-back transaction; the one that runs
`manage.py` as a process commits its account for that process to see.
"""

from __future__ import annotations

import io
import os
import uuid
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from shop.tokens.keys import issue, live_token
from tests.cli.conftest import Manage, manage  # noqa: F401  (fixture)


@pytest.fixture
def base_dir(settings, tmp_path: Path) -> Path:
    settings.BASE_DIR = tmp_path
    return tmp_path


def ensure_admin() -> str:
    out = io.StringIO()
    call_command("ensure_admin", stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_the_account_named_in_the_environment_is_created_as_staff(
    monkeypatch: pytest.MonkeyPatch, base_dir: Path
) -> None:
    monkeypatch.setenv("SHOP_ADMIN_USER", "alice")
    monkeypatch.setenv("SHOP_ADMIN_PASSWORD", "correct horse battery staple")

    printed = ensure_admin()

    user = get_user_model().objects.get(username="alice")
    assert (user.is_staff, user.is_superuser) == (True, True)
    assert user.check_password("correct horse battery staple")
    assert printed == "Staff account: alice (password from SHOP_ADMIN_PASSWORD)\n"
    assert not (base_dir / ".run").exists()
    assert not get_user_model().objects.filter(username="admin").exists()


@pytest.mark.django_db
def test_an_existing_staff_account_takes_the_password_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, base_dir: Path
) -> None:
    get_user_model().objects.create_user("alice", password="old password 1", is_staff=True)
    monkeypatch.setenv("SHOP_ADMIN_USER", "alice")
    monkeypatch.setenv("SHOP_ADMIN_PASSWORD", "new password 2")

    ensure_admin()

    user = get_user_model().objects.get(username="alice")
    assert (user.is_staff, user.is_superuser) == (True, True)
    assert user.check_password("new password 2")


@pytest.mark.django_db
def test_a_customer_account_named_in_the_environment_is_not_made_staff(
    monkeypatch: pytest.MonkeyPatch, base_dir: Path
) -> None:
    customer = get_user_model().objects.create_user("alice", password="her password 1")
    token = issue(customer)
    monkeypatch.setenv("SHOP_ADMIN_USER", "alice")
    monkeypatch.setenv("SHOP_ADMIN_PASSWORD", "new password 2")

    with pytest.raises(CommandError) as refused:
        ensure_admin()

    assert str(refused.value) == (
        "alice is a customer account; ensure_admin does not make it staff (its API tokens "
        "and sessions would keep working with staff rights). Set SHOP_ADMIN_USER to another "
        "name."
    )
    user = get_user_model().objects.get(username="alice")
    assert (user.is_staff, user.is_superuser) == (False, False)
    assert user.check_password("her password 1")
    assert live_token(token.key).user == user  # still the customer's, still a customer's


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["admin", "Admin"])  # usernames ignore case
def test_a_customer_named_admin_is_not_made_staff(
    monkeypatch: pytest.MonkeyPatch, base_dir: Path, name: str
) -> None:
    get_user_model().objects.create_user(name, password="a customer's password")
    monkeypatch.delenv("SHOP_ADMIN_USER", raising=False)
    monkeypatch.delenv("SHOP_ADMIN_PASSWORD", raising=False)

    with pytest.raises(CommandError) as refused:
        ensure_admin()

    assert str(refused.value).startswith("admin is a customer account;")
    user = get_user_model().objects.get(username=name)
    assert (user.is_staff, user.is_superuser) == (False, False)
    assert user.check_password("a customer's password")
    assert get_user_model().objects.filter(username__iexact="admin").count() == 1
    assert not (base_dir / ".run").exists()


@pytest.mark.integration
def test_the_refusal_exits_non_zero_and_says_why(manage: Manage) -> None:  # noqa: F811
    name = f"customer-{uuid.uuid4().hex[:10]}"
    get_user_model().objects.create_user(name, password="her password 1")

    run = manage("ensure_admin", env={"SHOP_ADMIN_USER": name, "SHOP_ADMIN_PASSWORD": "p-2"})

    assert run.returncode == 1
    assert run.stdout == ""
    assert run.stderr.startswith(f"CommandError: {name} is a customer account;")
    assert not get_user_model().objects.get(username=name).is_staff


@pytest.mark.django_db
def test_without_the_environment_admin_gets_a_random_password_saved_once(
    monkeypatch: pytest.MonkeyPatch, base_dir: Path
) -> None:
    monkeypatch.delenv("SHOP_ADMIN_USER", raising=False)
    monkeypatch.delenv("SHOP_ADMIN_PASSWORD", raising=False)
    password_file = base_dir / ".run" / "admin-password"

    printed = ensure_admin()

    password = password_file.read_text().removesuffix("\n")
    assert len(password) >= 16
    assert password_file.stat().st_mode & 0o777 == 0o600
    user = get_user_model().objects.get(username="admin")
    assert (user.is_staff, user.is_superuser) == (True, True)
    assert user.check_password(password)
    assert printed == f"Staff account: admin / {password}  (saved to {password_file})\n"


@pytest.mark.django_db
def test_a_second_run_neither_changes_nor_prints_the_admin_password(
    monkeypatch: pytest.MonkeyPatch, base_dir: Path
) -> None:
    monkeypatch.delenv("SHOP_ADMIN_USER", raising=False)
    monkeypatch.delenv("SHOP_ADMIN_PASSWORD", raising=False)
    password_file = base_dir / ".run" / "admin-password"
    ensure_admin()
    password = password_file.read_text().removesuffix("\n")

    printed = ensure_admin()

    assert printed == f"Staff account: admin (password in {password_file})\n"
    assert password not in printed
    assert password_file.read_text() == password + "\n"
    assert get_user_model().objects.get(username="admin").check_password(password)
    assert get_user_model().objects.filter(username="admin").count() == 1


@pytest.mark.django_db
def test_the_admin_password_file_is_never_readable_by_others(
    monkeypatch: pytest.MonkeyPatch, base_dir: Path, open_umask: None
) -> None:
    monkeypatch.delenv("SHOP_ADMIN_USER", raising=False)
    monkeypatch.delenv("SHOP_ADMIN_PASSWORD", raising=False)
    password_file = base_dir / ".run" / "admin-password"

    ensure_admin()

    assert os.stat(password_file).st_mode & 0o777 == 0o600
    password = password_file.read_text().removesuffix("\n")
    assert get_user_model().objects.get(username="admin").check_password(password)
