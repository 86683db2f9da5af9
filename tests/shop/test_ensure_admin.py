"""`manage.py ensure_admin`: the staff account `make run` promises.

BASE_DIR points at a temporary folder, so a developer's real `.run/admin-password`
is never touched.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

pytestmark = pytest.mark.django_db


@pytest.fixture
def base_dir(settings, tmp_path: Path) -> Path:
    settings.BASE_DIR = tmp_path
    return tmp_path


def ensure_admin() -> str:
    out = io.StringIO()
    call_command("ensure_admin", stdout=out)
    return out.getvalue()


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


def test_an_existing_account_takes_the_password_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, base_dir: Path
) -> None:
    get_user_model().objects.create_user("alice", password="old password 1")
    monkeypatch.setenv("SHOP_ADMIN_USER", "alice")
    monkeypatch.setenv("SHOP_ADMIN_PASSWORD", "new password 2")

    ensure_admin()

    user = get_user_model().objects.get(username="alice")
    assert (user.is_staff, user.is_superuser) == (True, True)
    assert user.check_password("new password 2")


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
